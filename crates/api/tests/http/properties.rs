//! Property tests over arbitrary `Authorization` headers, against running API servers:
//! whatever the header holds, the answer is 401 or 400 (431 past 8 KB), never a panic, a
//! 500 or a hang.

use std::time::Duration;

use authbench_core::settings::ApiMode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::helpers::spawn_system;

/// Header values: any visible ASCII and spaces, often shaped like a bearer token or a JWT.
fn header_values() -> impl Strategy<Value = String> {
    let free = "[ -~]{0,300}";
    let token = "[A-Za-z0-9_.~+/=-]{0,600}";
    prop_oneof![
        free.prop_map(|s| s),
        token.prop_map(|t| format!("Bearer {t}")),
        (token, token, token).prop_map(|(a, b, c)| format!("Bearer {a}.{b}.{c}")),
        (any::<Vec<u8>>(), any::<Vec<u8>>()).prop_map(|(h, p)| {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            format!(
                "Bearer {}.{}.{}",
                b64.encode(h),
                b64.encode(p),
                b64.encode(b"sig")
            )
        }),
        "[ -~]{8190,8200}".prop_map(|s| format!("Bearer {s}")),
    ]
}

#[test]
fn any_authorization_header_gets_401_or_400_in_every_mode_and_never_a_500() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _context = runtime.enter();
    let system = runtime.block_on(spawn_system());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });

    runner
        .run(&header_values(), |value| {
            for mode in ApiMode::ALL {
                let response = runtime.block_on(
                    client
                        .get(format!("{}/api/me", system.api(mode)))
                        .header("authorization", value.as_str())
                        .send(),
                );
                let status = response
                    .map_err(|e| TestCaseError::fail(format!("{mode}: no answer: {e}")))?
                    .status()
                    .as_u16();
                let expected = if value.len() > 8 * 1024 + "Bearer ".len() {
                    status == 431 || status == 401
                } else {
                    status == 401 || status == 400
                };
                prop_assert!(expected, "{mode}: {status} for {value:?}");
            }
            Ok(())
        })
        .unwrap();
    drop(system);
}
