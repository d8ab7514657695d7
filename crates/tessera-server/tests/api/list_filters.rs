//! The list filters of `GET /users`, `GET /users/count` and `GET /organizations`, through the SDK:
//! each selects the right objects, bad input answers Clerk's envelope naming the parameter, and no
//! query parameter Clerk documents for these lists is ignored (each one either narrows or reorders
//! the answer, or is refused).

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_client::types::CreateUserRequestBody;
use tessera_client::{GetUserListRequest, GetUsersCountRequest, ListOrganizationsRequest, User};

use crate::helpers::*;

/// Three users a second apart (Ada, then Bob, then Carol), Ada with a phone number and an external
/// id, Bob banned; Ada and Carol in `acme`, Ada alone in `beta`.
struct Fixture {
    ada: User,
    bob: User,
    carol: User,
    acme: String,
    beta: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let users = app.sdk.users();
    let create = |body: CreateUserRequestBody| async move { users.create(body).await.unwrap() };
    let ada = create(CreateUserRequestBody {
        email_address: Some(vec!["Ada@Example.com".into()]),
        phone_number: Some(vec!["+15550001111".into()]),
        username: Some("ada_l".into()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        external_id: Some("ext-ada".into()),
        ..Default::default()
    })
    .await;
    app.advance_secs(1);
    let bob = create(CreateUserRequestBody {
        email_address: Some(vec!["bob@work.org".into()]),
        username: Some("bobby".into()),
        first_name: Some("Bob".into()),
        last_name: Some("Young".into()),
        ..Default::default()
    })
    .await;
    let bob = users.ban(&bob.id).await.unwrap();
    app.advance_secs(1);
    let carol = create(CreateUserRequestBody {
        email_address: Some(vec!["carol@example.com".into()]),
        first_name: Some("Carol".into()),
        ..Default::default()
    })
    .await;
    app.advance_secs(1);
    let acme = app.org("Acme Corp", &ada.id).await.id;
    app.post(&format!("/organizations/{acme}/memberships"), json!({"user_id": carol.id, "role": "org:member"}))
        .await
        .ok();
    app.advance_secs(1);
    let beta = app.org("Beta Labs", &ada.id).await.id;
    Fixture { ada, bob, carol, acme, beta }
}

fn ids(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.id.as_str()).collect()
}

/// The users a request lists, checked against the count of the same filters.
async fn listed(app: &TestApp, request: GetUserListRequest) -> Vec<String> {
    let users = app.sdk.users().list(request.clone()).await.unwrap_or_else(|e| panic!("{request:?}: {e}"));
    let count = app.sdk.users().count(count_request(&request)).await.unwrap();
    assert_eq!(count.total_count, users.len() as i64, "GET /users/count disagrees with GET /users for {request:?}");
    users.into_iter().map(|u| u.id).collect()
}

/// The count request with the same filters (every field named, so none is forgotten).
fn count_request(r: &GetUserListRequest) -> GetUsersCountRequest {
    let r = r.clone();
    GetUsersCountRequest {
        email_address: r.email_address,
        phone_number: r.phone_number,
        external_id: r.external_id,
        username: r.username,
        web3_wallet: r.web3_wallet,
        user_id: r.user_id,
        organization_id: r.organization_id,
        query: r.query,
        email_address_query: r.email_address_query,
        phone_number_query: r.phone_number_query,
        username_query: r.username_query,
        name_query: r.name_query,
        banned: r.banned,
        last_active_at_before: r.last_active_at_before,
        last_active_at_after: r.last_active_at_after,
        last_active_at_since: r.last_active_at_since,
        created_at_before: r.created_at_before,
        created_at_after: r.created_at_after,
        last_sign_in_at_before: r.last_sign_in_at_before,
        last_sign_in_at_after: r.last_sign_in_at_after,
        provider: r.provider,
        provider_user_id: r.provider_user_id,
    }
}

fn text(s: &str) -> Option<String> {
    Some(s.to_owned())
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn each_user_filter_selects_the_right_users_through_the_sdk() {
    let app = TestApp::spawn().await;
    let Fixture { ada, bob, carol, acme, beta } = fixture(&app).await;
    let (a, b, c) = (ada.id.as_str(), bob.id.as_str(), carol.id.as_str());
    let r = GetUserListRequest::default;
    let cases: Vec<(GetUserListRequest, Vec<&str>)> = vec![
        (r(), vec![c, b, a]),
        // Partial, case-insensitive.
        (GetUserListRequest { email_address_query: text("EXAMPLE.COM"), ..r() }, vec![c, a]),
        (GetUserListRequest { phone_number_query: text("5550001"), ..r() }, vec![a]),
        (GetUserListRequest { username_query: text("BOB"), ..r() }, vec![b]),
        (GetUserListRequest { name_query: text("ada love"), ..r() }, vec![a]),
        (GetUserListRequest { name_query: text("o"), ..r() }, vec![c, b, a]),
        (GetUserListRequest { name_query: text("young"), email_address_query: text("example"), ..r() }, vec![]),
        // Time bounds, strict, in epoch milliseconds.
        (GetUserListRequest { created_at_after: Some(ada.created_at), ..r() }, vec![c, b]),
        (GetUserListRequest { created_at_before: Some(carol.created_at), ..r() }, vec![b, a]),
        (
            GetUserListRequest {
                created_at_after: Some(ada.created_at),
                created_at_before: Some(carol.created_at),
                ..r()
            },
            vec![b],
        ),
        // Users created through the API were never active and never signed in: no bound matches.
        (GetUserListRequest { last_active_at_after: Some(0), ..r() }, vec![]),
        (GetUserListRequest { last_active_at_before: Some(i64::MAX), ..r() }, vec![]),
        (GetUserListRequest { last_active_at_since: Some(0), ..r() }, vec![]),
        (GetUserListRequest { last_sign_in_at_after: Some(0), ..r() }, vec![]),
        (GetUserListRequest { last_sign_in_at_before: Some(i64::MAX), ..r() }, vec![]),
        // `+`/`-` prefixes.
        (GetUserListRequest { user_id: vec![format!("-{b}")], ..r() }, vec![c, a]),
        (GetUserListRequest { user_id: vec![format!("+{a}"), format!("+{b}"), format!("-{a}")], ..r() }, vec![b]),
        (GetUserListRequest { external_id: strings(&["-ext-ada"]), ..r() }, vec![c, b]),
        (GetUserListRequest { external_id: strings(&["+ext-ada"]), ..r() }, vec![a]),
        (GetUserListRequest { organization_id: vec![acme.clone()], ..r() }, vec![c, a]),
        (GetUserListRequest { organization_id: vec![format!("-{acme}")], ..r() }, vec![b]),
        (GetUserListRequest { organization_id: vec![format!("+{beta}"), format!("-{acme}")], ..r() }, vec![]),
        (GetUserListRequest { organization_id: vec![format!("-{beta}")], banned: Some(false), ..r() }, vec![c]),
        // No user holds a web3 wallet or an external account: these match nobody.
        (GetUserListRequest { web3_wallet: strings(&["0xabc"]), ..r() }, vec![]),
        (GetUserListRequest { provider: text("oauth_google"), provider_user_id: strings(&["1"]), ..r() }, vec![]),
        (GetUserListRequest { banned: Some(true), ..r() }, vec![b]),
    ];
    for (request, expected) in cases {
        assert_eq!(listed(&app, request.clone()).await, expected, "{request:?}");
    }
    // Order: the first `order_by` counts (the SDK sends one); `web3wallet` is a field.
    let by = |o: &str| GetUserListRequest { order_by: text(o), ..r() };
    assert_eq!(listed(&app, by("+created_at")).await, [a, b, c]);
    assert_eq!(listed(&app, by("-username")).await, [b, a, c]);
    assert_eq!(listed(&app, by("web3wallet")).await, [a, b, c]);
    let raw = app.get("/users?order_by=created_at&order_by=-created_at").await;
    let first: Vec<&str> = raw.ok().as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(first, [a, b, c]);
    // An unencoded `+` arrives as a space and still means "include".
    let raw = app.get(&format!("/users?user_id=+{b}&order_by=+created_at")).await;
    assert_eq!(raw.ok().as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect::<Vec<_>>(), [b]);
    app.stop().await;
}

#[tokio::test]
async fn the_starting_after_cursor_walks_the_created_at_order() {
    let app = TestApp::spawn().await;
    let users = app.sdk.users();
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(app.user(&format!("u{n}@x.io")).await.id);
        app.advance_secs(1);
    }
    let page = |after: Option<String>, order_by: Option<&str>| GetUserListRequest {
        limit: Some(2),
        starting_after: after,
        order_by: order_by.map(str::to_owned),
        ..Default::default()
    };
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let got = users.list(page(cursor.clone(), None)).await.unwrap();
        walked.extend(ids(&got).into_iter().map(str::to_owned));
        if got.len() < 2 {
            break;
        }
        cursor = got.last().map(|u| u.id.clone());
    }
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    assert_eq!(walked, newest_first);
    let got = users.list(page(Some(made[1].clone()), Some("+created_at"))).await.unwrap();
    assert_eq!(ids(&got), [made[2].as_str(), made[3].as_str()]);
    // With `offset=0` (the Python SDK always sends it) and other filters.
    let request = GetUserListRequest {
        offset: Some(0),
        email_address_query: text("u1@"),
        ..page(Some(made[4].clone()), Some("-created_at"))
    };
    assert_eq!(ids(&users.list(request).await.unwrap()), [made[1].as_str()]);

    let e = assert_api_err(
        users.list(page(Some(made[1].clone()), Some("username"))).await,
        422,
        "form_conditional_param_value_disallowed",
    );
    assert_eq!(e.param_name(), Some("order_by"));
    let request = GetUserListRequest { offset: Some(1), ..page(Some(made[1].clone()), None) };
    let e = assert_api_err(users.list(request).await, 422, "form_conditional_param_disallowed");
    assert_eq!(e.param_name(), Some("offset"));
    let e = assert_api_err(users.list(page(Some("user_gone".into()), None)).await, 422, "form_param_value_invalid");
    assert_eq!(e.param_name(), Some("starting_after"));
    app.stop().await;
}

#[tokio::test]
async fn each_organization_filter_selects_the_right_organizations_through_the_sdk() {
    let app = TestApp::spawn().await;
    let Fixture { ada, bob, carol, acme, beta } = fixture(&app).await;
    app.advance_secs(1);
    let gamma = app.org("Gamma", &bob.id).await.id;
    let orgs = app.sdk.organizations();
    let r = ListOrganizationsRequest::default;
    let cases: Vec<(ListOrganizationsRequest, Vec<&str>)> = vec![
        (r(), vec![&gamma, &beta, &acme]),
        // The id exactly (any case); the name or slug partially.
        (ListOrganizationsRequest { query: Some(acme.to_uppercase()), ..r() }, vec![&acme]),
        (ListOrganizationsRequest { query: text("org_"), ..r() }, vec![]),
        (ListOrganizationsRequest { query: text("LABS"), ..r() }, vec![&beta]),
        (ListOrganizationsRequest { query: text("acme-c"), ..r() }, vec![&acme]),
        (ListOrganizationsRequest { user_id: vec![carol.id.clone(), bob.id.clone()], ..r() }, vec![&gamma, &acme]),
        (ListOrganizationsRequest { user_id: vec![format!("-{}", carol.id)], ..r() }, vec![&gamma, &beta]),
        (ListOrganizationsRequest { user_id: vec![ada.id.clone(), format!("-{}", carol.id)], ..r() }, vec![&beta]),
        (ListOrganizationsRequest { organization_id: vec![format!("-{beta}")], ..r() }, vec![&gamma, &acme]),
        (
            ListOrganizationsRequest { organization_id: vec![format!("+{beta}"), acme.clone()], ..r() },
            vec![&beta, &acme],
        ),
        (ListOrganizationsRequest { order_by: text("+name"), ..r() }, vec![&acme, &beta, &gamma]),
        (ListOrganizationsRequest { order_by: text("-members_count"), ..r() }, vec![&acme, &gamma, &beta]),
    ];
    for (request, expected) in cases {
        let page = orgs.list(request.clone()).await.unwrap_or_else(|e| panic!("{request:?}: {e}"));
        let got: Vec<&str> = page.data.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(got, expected, "{request:?}");
        assert_eq!(page.total_count, expected.len() as i64, "{request:?}");
    }
    // `members_count` unless asked not to; `include_missing_member_with_elevated_permissions=false`
    // asks for nothing.
    let page = orgs.list(ListOrganizationsRequest { include_members_count: Some(true), ..r() }).await.unwrap();
    assert_eq!(page.data.iter().map(|o| o.members_count).collect::<Vec<_>>(), [Some(1), Some(1), Some(2)]);
    let request = ListOrganizationsRequest {
        include_members_count: Some(false),
        include_missing_member_with_elevated_permissions: Some(false),
        ..r()
    };
    let page = orgs.list(request).await.unwrap();
    assert_eq!(page.total_count, 3);
    assert!(page.data.iter().all(|o| o.members_count.is_none()));
    app.stop().await;
}

#[tokio::test]
async fn bad_filter_input_answers_clerks_envelope_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let Fixture { ada, .. } = fixture(&app).await;
    let many = (0..101).map(|n| format!("user_id=user_{n}")).collect::<Vec<_>>().join("&");
    let many_orgs = (0..101).map(|n| format!("organization_id=org_{n}")).collect::<Vec<_>>().join("&");
    let cases: Vec<(String, u16, &str, &str)> = vec![
        ("created_at_after=soon".into(), 422, "form_param_type_invalid", "created_at_after"),
        ("created_at_before=-1".into(), 422, "form_param_value_invalid", "created_at_before"),
        ("last_active_at_since=1.5".into(), 422, "form_param_type_invalid", "last_active_at_since"),
        ("last_sign_in_at_after=99999999999999999999".into(), 422, "form_param_type_invalid", "last_sign_in_at_after"),
        ("banned=maybe".into(), 422, "form_param_value_invalid", "banned"),
        (many.clone(), 422, "form_param_array_size_exceeded", "user_id"),
        ("user_id=-".into(), 422, "form_param_value_invalid", "user_id"),
        ("organization_id=%2B".into(), 422, "form_param_value_invalid", "organization_id"),
        ("external_id=-".into(), 422, "form_param_value_invalid", "external_id"),
        ("provider=oauth_google".into(), 422, "form_conditional_param_missing", "provider_user_id"),
        ("provider_user_id=123".into(), 422, "form_conditional_param_missing", "provider"),
        ("query=a%00b".into(), 422, "form_param_value_invalid", "query"),
    ];
    for path in ["/users", "/users/count"] {
        for (query, status, code, param) in &cases {
            let r = app.get(&format!("{path}?{query}")).await;
            assert_eq!(r.err(*status, code).param(), *param, "{path}?{query}");
        }
    }
    let list_only: Vec<(String, u16, &str, &str)> = vec![
        ("order_by=shoe_size".into(), 422, "form_param_value_invalid", "order_by"),
        (
            format!("starting_after={}&order_by=-username", ada.id),
            422,
            "form_conditional_param_value_disallowed",
            "order_by",
        ),
        (format!("starting_after={}&offset=2", ada.id), 422, "form_conditional_param_disallowed", "offset"),
        ("starting_after=user_nobody".into(), 422, "form_param_value_invalid", "starting_after"),
    ];
    for (query, status, code, param) in &list_only {
        let r = app.get(&format!("/users?{query}")).await;
        assert_eq!(r.err(*status, code).param(), *param, "/users?{query}");
    }
    let orgs: Vec<(String, u16, &str, &str)> = vec![
        (
            "include_missing_member_with_elevated_permissions=true".into(),
            400,
            "invalid_query_parameter_value",
            "include_missing_member_with_elevated_permissions",
        ),
        ("include_members_count=yes".into(), 422, "form_param_value_invalid", "include_members_count"),
        (many.clone(), 422, "form_param_array_size_exceeded", "user_id"),
        (many_orgs, 422, "form_param_array_size_exceeded", "organization_id"),
        ("user_id=-".into(), 422, "form_param_value_invalid", "user_id"),
        ("order_by=-shoe_size".into(), 422, "form_param_value_invalid", "order_by"),
    ];
    for (query, status, code, param) in &orgs {
        let r = app.get(&format!("/organizations?{query}")).await;
        assert_eq!(r.err(*status, code).param(), *param, "/organizations?{query}");
    }
    // Through the SDK too.
    let r = app
        .sdk
        .organizations()
        .list(ListOrganizationsRequest {
            include_missing_member_with_elevated_permissions: Some(true),
            ..Default::default()
        })
        .await;
    let e = assert_api_err(r, 400, "invalid_query_parameter_value");
    assert_eq!(e.param_name(), Some("include_missing_member_with_elevated_permissions"));
    let r = app.sdk.users().count(GetUsersCountRequest { provider: text("oauth_github"), ..Default::default() }).await;
    assert_eq!(assert_api_err_param(r, 422, "form_conditional_param_missing"), "provider_user_id");
    app.stop().await;
}

/// For each query parameter Clerk documents on a list: a value that must change the answer given
/// the fixture (narrow it, reorder it, or be refused). `{ada}`, `{acme}`, `{t1}` (between Ada's and
/// Bob's creation) and `{carol}` are filled in.
const EFFECTIVE_VALUES: &[(&str, &str)] = &[
    ("email_address", "nobody@example.com"),
    ("phone_number", "+19999999999"),
    ("external_id", "-ext-ada"),
    ("username", "nobody"),
    ("web3_wallet", "0xabc"),
    ("user_id", "-{ada}"),
    ("organization_id", "{acme}"),
    ("query", "lovelace"),
    ("email_address_query", "work"),
    ("phone_number_query", "555"),
    ("username_query", "ada"),
    ("name_query", "young"),
    ("banned", "false"),
    ("last_active_at_before", "9999999999999"),
    ("last_active_at_after", "0"),
    ("last_active_at_since", "0"),
    ("created_at_before", "{t1}"),
    ("created_at_after", "{t1}"),
    ("last_sign_in_at_before", "9999999999999"),
    ("last_sign_in_at_after", "0"),
    ("provider", "oauth_google"),
    ("provider_user_id", "123"),
    ("limit", "1"),
    ("offset", "1"),
    ("starting_after", "{carol}"),
    ("order_by", "created_at"),
    // Organizations.
    ("include_members_count", "false"),
    ("include_missing_member_with_elevated_permissions", "true"),
    // Memberships.
    ("role", "org:admin"),
];

/// The query parameters Clerk's document gives `method path`.
fn clerk_query_params(path: &str) -> Vec<String> {
    let op = &crate::clerk_schema::clerk_doc()["paths"][path]["get"];
    op["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("Clerk's document has no parameters for GET {path}"))
        .iter()
        .map(crate::clerk_schema::resolve)
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn no_query_parameter_clerk_documents_for_a_list_is_ignored() {
    let app = TestApp::spawn().await;
    let Fixture { ada, carol, acme, .. } = fixture(&app).await;
    let t1 = (ada.created_at + 1).to_string();
    let ours = tessera_server::openapi::document();
    let members = format!("/organizations/{acme}/memberships");
    let lists = [
        ("/users", "/users", "/users"),
        ("/users/count", "/users/count", "/users/count"),
        ("/organizations", "/organizations", "/organizations"),
        (members.as_str(), "/organizations/{organization_id}/memberships", "/organizations/{org_id}/memberships"),
        ("/organization_memberships", "/organization_memberships", "/organization_memberships"),
    ];
    for (path, clerk_path, our_path) in lists {
        let documented: Vec<&str> = ours["paths"][format!("/v1{our_path}")]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let unfiltered = app.get(path).await.ok().clone();
        for name in clerk_query_params(clerk_path) {
            assert!(documented.contains(&name.as_str()), "GET {path}: Clerk's `{name}` is not in Tessera's document");
            // One organization's memberships are oldest first by default: the other way round changes them.
            let own = (clerk_path.ends_with("/memberships") && name == "order_by").then_some("-created_at");
            let template =
                own.or_else(|| EFFECTIVE_VALUES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)).unwrap_or_else(
                    || panic!("GET {path}: Clerk documents `{name}`; give it a value that must change the answer here"),
                );
            let value = template.replace("{ada}", &ada.id).replace("{carol}", &carol.id).replace("{acme}", &acme);
            let value = value.replace("{t1}", &t1);
            let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            let r = app.get(&format!("{path}?{name}={encoded}")).await;
            assert!(r.status.as_u16() < 500, "GET {path}?{name}={value}: {}", r.body);
            if r.status != StatusCode::OK {
                r.err(r.status.as_u16(), r.code());
                assert_eq!(r.param(), refused_param(&name), "GET {path}?{name}={value}: {}", r.body);
                continue;
            }
            assert!(r.body != unfiltered, "GET {path}?{name}={value} answered as if there were no `{name}`");
            if let Value::Array(list) = &r.body {
                let all = unfiltered.as_array().unwrap();
                assert!(list.iter().all(|u| all.contains(u)) || name == "order_by", "GET {path}?{name}={value}");
            }
        }
    }
    app.stop().await;
}

/// The parameter a refused value is reported under (`provider` and `provider_user_id` name the one
/// that is missing).
fn refused_param(name: &str) -> &str {
    match name {
        "provider" => "provider_user_id",
        "provider_user_id" => "provider",
        other => other,
    }
}

#[tokio::test]
async fn membership_lists_filter_their_members_and_roles_through_the_sdk() {
    let app = TestApp::spawn().await;
    let Fixture { ada, carol, acme, beta, .. } = fixture(&app).await;
    let memberships = app.sdk.organization_memberships();
    let users_of = |filter: tessera_client::types::OrganizationMembershipListFilter| {
        let request = tessera_client::ListOrganizationMembershipsRequest::new(&acme).filter(filter);
        async move {
            let page = memberships.list(request).await.unwrap();
            assert_eq!(page.total_count, page.data.len() as i64);
            page.data.into_iter().map(|m| m.public_user_data.unwrap().user_id).collect::<Vec<_>>()
        }
    };
    use tessera_client::types::OrganizationMembershipListFilter as F;
    // (Ada's and Carol's memberships were made in the same millisecond: their order is the ids'.)
    let mut everyone = users_of(F::default()).await;
    everyone.sort();
    let mut expected = vec![ada.id.clone(), carol.id.clone()];
    expected.sort();
    assert_eq!(everyone, expected);
    assert_eq!(users_of(F { role: vec!["org:member".into()], ..Default::default() }).await, vec![carol.id.clone()]);
    assert_eq!(users_of(F { query: Some("LOVELACE".into()), ..Default::default() }).await, vec![ada.id.clone()]);
    assert_eq!(
        users_of(F { user_id: vec![format!("-{}", ada.id)], ..Default::default() }).await,
        vec![carol.id.clone()]
    );
    let by_name = F { order_by: Some("-first_name".into()), ..Default::default() };
    assert_eq!(users_of(by_name).await, [carol.id.clone(), ada.id.clone()]);
    let r = memberships
        .list(
            tessera_client::ListOrganizationMembershipsRequest::new(&acme)
                .filter(F { order_by: Some("role".into()), ..Default::default() }),
        )
        .await;
    assert_eq!(assert_api_err_param(r, 422, "form_param_value_invalid"), "order_by");

    // Every membership of the instance, newest first.
    let all = memberships.list_all(Default::default()).await.unwrap();
    let orgs: Vec<&str> = all.data.iter().map(|m| m.organization.id.as_str()).collect();
    assert_eq!((orgs, all.total_count), (vec![beta.as_str(), acme.as_str(), acme.as_str()], 3));
    app.stop().await;
}
