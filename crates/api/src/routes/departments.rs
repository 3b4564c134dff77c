//! `GET /api/departments` (any logged-in user) and `POST /api/departments` (role `admin`).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use authbench_core::error::json_error;
use authbench_core::openapi::ErrorBody;
use authbench_core::{AuthError, Identity};
use serde::Deserialize;

use crate::departments::{Department, Departments};

/// The role that may create departments.
pub const ADMIN_ROLE: &str = "admin";
const MAX_NAME_LEN: usize = 100;

/// Every department, for any logged-in user.
#[utoipa::path(
    get,
    path = "/api/departments",
    tag = "api",
    security(("bearer" = []), ("session_cookie" = []), ("token_cookie" = [])),
    responses(
        (status = 200, description = "The departments", body = [Department]),
        (status = 401, description = "No credential, or one that is not valid (RFC 6750 challenge)", body = ErrorBody),
        (status = 431, description = "A credential over 8 KB", body = ErrorBody),
        (status = 503, description = "What this mode depends on did not answer in time", body = ErrorBody),
    )
)]
pub async fn list(_identity: Identity, departments: web::Data<Departments>) -> HttpResponse {
    HttpResponse::Ok().json(departments.list())
}

/// The no-auth baseline: the same answer as [`list`], with no credential checked.
#[utoipa::path(
    get,
    path = "/public/departments",
    tag = "api",
    responses((status = 200, description = "The departments, with no credential checked", body = [Department]))
)]
pub async fn list_public(departments: web::Data<Departments>) -> HttpResponse {
    HttpResponse::Ok().json(departments.list())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewDepartment {
    /// 1 to 100 characters, not all blank (leading and trailing blanks are dropped).
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
}

/// Creates a department (role `admin`).
#[utoipa::path(
    post,
    path = "/api/departments",
    tag = "api",
    request_body = NewDepartment,
    security(("bearer" = []), ("session_cookie" = []), ("token_cookie" = [])),
    responses(
        (status = 201, description = "Created", body = Department),
        (status = 400, description = "A name of 1 to 100 characters is needed, or the body is not that JSON", body = ErrorBody),
        (status = 401, description = "No credential, or one that is not valid", body = ErrorBody),
        (status = 403, description = "The role `admin` is missing (insufficient_scope), or a cookie request from another site", body = ErrorBody),
        (status = 431, description = "A credential over 8 KB", body = ErrorBody),
        (status = 503, description = "What this mode depends on did not answer in time", body = ErrorBody),
    )
)]
pub async fn create(
    identity: Identity,
    body: web::Json<NewDepartment>,
    departments: web::Data<Departments>,
) -> Result<HttpResponse, AuthError> {
    identity.require_role(ADMIN_ROLE)?;
    let name = body.into_inner().name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("a department name has 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    let department = departments.add(name);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/departments/{}", department.id)))
        .json(department))
}
