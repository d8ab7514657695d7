//! `/v1/email_addresses` and `/v1/phone_numbers`.

use tessera_types::{
    CreateEmailAddressRequestBody, CreatePhoneNumberRequestBody, DeletedObject, EmailAddress, PhoneNumber,
    UpdateEmailAddressRequestBody, UpdatePhoneNumberRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/email_addresses`. Get it from [`Client::email_addresses`].
#[derive(Debug, Clone, Copy)]
pub struct EmailAddresses<'a> {
    client: &'a Client,
}

impl<'a> EmailAddresses<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        EmailAddresses { client }
    }

    /// `POST /email_addresses`: adds an email address to a user. It is unverified unless
    /// `verified: Some(true)`; the user's first address becomes primary.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateEmailAddressRequestBody;
    ///
    /// let email = client
    ///     .email_addresses()
    ///     .create(CreateEmailAddressRequestBody {
    ///         user_id: "user_2x…".into(),
    ///         email_address: "ada@work.example".into(),
    ///         verified: Some(true),
    ///         primary: Some(true),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("{} is {}", email.email_address, email.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateEmailAddressRequestBody) -> Result<EmailAddress> {
        self.client.call(Request::post(&["email_addresses"]).json(&body)?).await
    }

    /// `GET /email_addresses/{email_address_id}`.
    pub async fn get(&self, email_address_id: &str) -> Result<EmailAddress> {
        self.client.call(Request::get(&["email_addresses", email_address_id])).await
    }

    /// `PATCH /email_addresses/{email_address_id}`: marks it verified or not, or makes it primary.
    pub async fn update(&self, email_address_id: &str, body: UpdateEmailAddressRequestBody) -> Result<EmailAddress> {
        self.client.call(Request::patch(&["email_addresses", email_address_id]).json(&body)?).await
    }

    /// `DELETE /email_addresses/{email_address_id}`: when it was the primary address, another one
    /// (the oldest verified, else the oldest) becomes primary. The user's last identification cannot
    /// be deleted.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let deleted = client.email_addresses().delete("idn_2x…").await?;
    /// assert!(deleted.deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, email_address_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["email_addresses", email_address_id])).await
    }
}

/// `/v1/phone_numbers`. Get it from [`Client::phone_numbers`].
#[derive(Debug, Clone, Copy)]
pub struct PhoneNumbers<'a> {
    client: &'a Client,
}

impl<'a> PhoneNumbers<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        PhoneNumbers { client }
    }

    /// `POST /phone_numbers`: adds a phone number (E.164) to a user. It is unverified unless
    /// `verified: Some(true)`; a second factor (`reserved_for_second_factor`) must be verified.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreatePhoneNumberRequestBody;
    ///
    /// let phone = client
    ///     .phone_numbers()
    ///     .create(CreatePhoneNumberRequestBody {
    ///         user_id: "user_2x…".into(),
    ///         phone_number: "+15555550100".into(),
    ///         verified: Some(true),
    ///         reserved_for_second_factor: Some(true),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// assert!(phone.default_second_factor || !phone.reserved_for_second_factor);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreatePhoneNumberRequestBody) -> Result<PhoneNumber> {
        self.client.call(Request::post(&["phone_numbers"]).json(&body)?).await
    }

    /// `GET /phone_numbers/{phone_number_id}`.
    pub async fn get(&self, phone_number_id: &str) -> Result<PhoneNumber> {
        self.client.call(Request::get(&["phone_numbers", phone_number_id])).await
    }

    /// `PATCH /phone_numbers/{phone_number_id}`: verification, primary, second factor.
    pub async fn update(&self, phone_number_id: &str, body: UpdatePhoneNumberRequestBody) -> Result<PhoneNumber> {
        self.client.call(Request::patch(&["phone_numbers", phone_number_id]).json(&body)?).await
    }

    /// `DELETE /phone_numbers/{phone_number_id}`: when it was the primary number, another one (the
    /// oldest verified, else the oldest) becomes primary.
    pub async fn delete(&self, phone_number_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["phone_numbers", phone_number_id])).await
    }
}
