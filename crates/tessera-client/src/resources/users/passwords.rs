//! The password operations of [`Users`]: `POST /users/{user_id}/verify_password` and
//! `POST /users/{user_id}/remove_password`. (A password is set with [`Users::create`] or
//! [`Users::update`] and their `password`, or `password_digest` and `password_hasher`, fields.)

use tessera_types::{RemoveUserPasswordRequestBody, User, VerifyPasswordRequestBody, VerifyPasswordResponse};

use super::Users;
use crate::client::Request;
use crate::error::Result;

impl Users<'_> {
    /// `POST /users/{user_id}/verify_password`: `verified: true` when `password` is the user's. A
    /// wrong password is an [`Error::Api`](crate::Error::Api) with status 422 and code
    /// `incorrect_password`; a user without a password, 400 `no_password_set`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::VerifyPasswordRequestBody;
    ///
    /// let body = VerifyPasswordRequestBody { password: "correct horse battery".into() };
    /// match client.users().verify_password("user_2x…", body).await {
    ///     Ok(r) => assert!(r.verified),
    ///     Err(e) if e.code() == Some("incorrect_password") => println!("wrong password"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify_password(
        &self,
        user_id: &str,
        body: VerifyPasswordRequestBody,
    ) -> Result<VerifyPasswordResponse> {
        self.client.call(Request::post(&["users", user_id, "verify_password"]).json(&body)?).await
    }

    /// `POST /users/{user_id}/remove_password`: the user without a password (unchanged if they had
    /// none); `sign_out_of_other_sessions: Some(true)` also revokes their live sessions.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let user = client.users().remove_password("user_2x…", Default::default()).await?;
    /// assert!(!user.password_enabled);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_password(&self, user_id: &str, body: RemoveUserPasswordRequestBody) -> Result<User> {
        self.client.call(Request::post(&["users", user_id, "remove_password"]).json(&body)?).await
    }
}
