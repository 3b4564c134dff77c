//! `workbench hash-password`: the hash it prints is an argon2id PHC string that verifies
//! the password it was given, and only that one.

use std::io::Write;
use std::process::{Command, Stdio};

use authbench_core::users::verify_password;
use secrecy::SecretString;

fn hash_of(password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workbench"))
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_printed_hash_is_argon2id_and_verifies_the_password() {
    let output = hash_of("correct horse battery staple\n");

    assert!(output.status.success());
    let hash = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(verify_password(
        &SecretString::from("correct horse battery staple"),
        &hash
    ));
    assert!(!verify_password(
        &SecretString::from("correct horse battery"),
        &hash
    ));
}

#[test]
fn an_empty_password_is_refused() {
    let output = hash_of("\n");

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("empty"));
}
