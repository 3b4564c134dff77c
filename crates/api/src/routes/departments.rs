//! `GET /api/departments` (any logged-in user) and `POST /api/departments` (role `admin`).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use authbench_core::error::json_error;
use authbench_core::{AuthError, Identity};
use serde::Deserialize;

use crate::departments::Departments;

/// The role that may create departments.
pub const ADMIN_ROLE: &str = "admin";
const MAX_NAME_LEN: usize = 100;

pub async fn list(_identity: Identity, departments: web::Data<Departments>) -> HttpResponse {
    HttpResponse::Ok().json(departments.list())
}

/// The no-auth baseline: the same answer as [`list`], with no credential checked.
pub async fn list_public(departments: web::Data<Departments>) -> HttpResponse {
    HttpResponse::Ok().json(departments.list())
}

#[derive(Deserialize)]
pub struct NewDepartment {
    name: String,
}

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
