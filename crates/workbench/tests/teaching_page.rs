//! The teaching page: what it serves and what its buttons do over HTTP, then in a real
//! browser, headless Chromium driven through WebDriver (chromedriver, spoken to directly
//! over HTTP), every button clicked as a student would, each giving the expected status on
//! the page. A screenshot is saved as a test artifact.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// `workbench demo web`, stopped when dropped.
struct Page {
    child: std::process::Child,
    url: String,
}

impl Page {
    fn start() -> Page {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_workbench"))
            .args(["demo", "web"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("workbench runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .strip_prefix("teaching page: ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Page { child, url }
    }

    async fn act(&self, action: &str, flow: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(format!("{}/act/{action}?flow={flow}", self.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{action} {flow}");
        response.json().await.unwrap()
    }
}

impl Drop for Page {
    /// Stops the page as Ctrl-C would, so that it stops its own Redis; kills it only if it
    /// does not stop within 10 s.
    fn drop(&mut self) {
        stop_gracefully(&mut self.child);
    }
}

/// SIGTERM, then up to 10 s for the child to exit on its own, then SIGKILL.
fn stop_gracefully(child: &mut Child) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn the_teaching_page_serves_both_diagrams_and_its_script_from_the_binary() {
    let page = Page::start();
    let client = reqwest::Client::new();

    let html = client.get(&page.url).send().await.unwrap().text().await.unwrap();
    for part in [
        "<svg",
        "Session <small>(design note: Process, steps 1-6)</small>",
        "Self-contained token <small>(design note: steps 1-4)</small>",
        "id=\"session-api-session-session-auth\"",
        "id=\"jwt-api-jwt-api-jwt\"",
        "data-action=\"tamper\"",
        "data-action=\"redis-stop\"",
        "Token inspector",
        "<script src=\"/app.js\">",
    ] {
        assert!(html.contains(part), "the page lacks {part}");
    }
    assert!(
        !html.contains("https://"),
        "the page loads something from the internet"
    );
    let script = client.get(format!("{}/app.js", page.url)).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("/act/"));
    let state: serde_json::Value = client
        .get(format!("{}/state", page.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["redis_cut"], false);
}

#[tokio::test]
async fn the_teaching_pages_buttons_act_on_the_real_servers_and_report_their_hops() {
    let page = Page::start();
    let hops = |outcome: &serde_json::Value| -> Vec<(String, String)> {
        outcome["hops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["from"].as_str().unwrap().into(),
                    h["to"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());

    assert_eq!(page.act("login", "session").await["status"], 200);
    let call = page.act("call", "session").await;
    assert_eq!(call["status"], 200);
    assert_eq!(
        hops(&call),
        [pair("client", "api-session"), pair("api-session", "session-auth")]
    );
    assert!(call["hops"][1]["ms"].as_f64().unwrap() > 0.0);

    let login = page.act("login", "jwt").await;
    assert_eq!(login["status"], 200);
    let token = login["body"]["access_token"].as_str().unwrap().to_string();
    let call = page.act("call", "jwt").await;
    assert_eq!(call["status"], 200);
    assert_eq!(
        hops(&call),
        [pair("client", "api-jwt"), pair("api-jwt", "api-jwt")]
    );

    assert_eq!(page.act("tamper", "jwt").await["status"], 401);
    assert_eq!(page.act("tamper", "session").await["status"], 401);

    page.act("redis-stop", "session").await;
    assert_eq!(page.act("call", "session").await["status"], 503);
    assert_eq!(page.act("call", "jwt").await["status"], 200);
    page.act("redis-start", "session").await;
    let mut status = 503;
    for _ in 0..40 {
        status = page.act("call", "session").await["status"].as_u64().unwrap();
        if status != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "the session flow did not recover");

    assert_eq!(page.act("logout", "session").await["status"], 204);
    assert_eq!(page.act("call", "session").await["status"], 401);
    page.act("logout", "jwt").await;
    assert_eq!(
        page.act("call", "jwt").await["status"],
        200,
        "a JWT outlives its logout"
    );

    // The inspector decodes the token and has the JWT API server check it.
    let client = reqwest::Client::new();
    let inspect = |token: String| {
        let client = client.clone();
        let url = format!("{}/inspect", page.url);
        async move {
            client
                .post(url)
                .json(&serde_json::json!({ "token": token }))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let genuine = inspect(token.clone()).await;
    assert_eq!(genuine["payload"]["sub"], "alice");
    assert_eq!(genuine["header"]["alg"], "HS256");
    assert_eq!(genuine["verdict"], "valid");
    let forged = inspect(format!("{token}x")).await;
    assert_eq!(forged["status"], 401);
    assert!(forged["verdict"].as_str().unwrap().contains("invalid_token"));
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One WebDriver session.
struct Browser {
    http: reqwest::Client,
    base: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(answer["value"]["error"].is_null(), "WebDriver {path}: {answer}");
        answer["value"].clone()
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT].as_str().unwrap().to_string()
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits until the element's text satisfies `ok` (the page works asynchronously).
    async fn wait_text(&self, css: &str, within: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let text = self.text(css).await;
            if ok(&text) || Instant::now() > deadline {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks a flow's button and returns the status the page then shows (after the
    /// buttons are enabled again, that is after the answer and its animation).
    async fn press(&self, flow: &str, action: &str) -> String {
        self.click(&format!("button[data-action='{action}'][data-flow='{flow}']"))
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let enabled = self
                .cmd(
                    reqwest::Method::POST,
                    "/execute/sync",
                    Some(json!({"script": "return !document.querySelector('button').disabled", "args": []})),
                )
                .await;
            if enabled == json!(true) || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.text(&format!("#{flow}-status")).await
    }

    /// Presses a button until the page shows `want`, at most ten times; returns the last
    /// status. A server whose connection to Redis was cut finds it dropped on its first
    /// request after the return, answers that one 503 and reconnects.
    async fn press_until(&self, flow: &str, action: &str, want: &str) -> String {
        let mut status = String::new();
        for _ in 0..10 {
            status = self.press(flow, action).await;
            if status == want {
                break;
            }
        }
        status
    }
}

#[tokio::test]
async fn every_button_of_the_teaching_page_gives_the_expected_status_in_headless_chromium() {
    let driver_port = free_port();
    let _driver = Running(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs: install Debian's chromium and chromium-driver (.ci/run does)"),
    );
    let page = Page::start();
    let url = page.url.clone();

    let http = reqwest::Client::new();
    let driver = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{driver}/status")).send().await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let session: Value = http
        .post(format!("{driver}/session"))
        .json(&json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1500"]
            }
        }}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = session["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no browser session: {session}"));
    let browser = Browser {
        http: http.clone(),
        base: format!("{driver}/session/{id}"),
    };
    browser
        .cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
        .await;

    assert_eq!(browser.press("session", "login").await, "200");
    let logged_in = Instant::now();
    assert_eq!(browser.press("session", "call").await, "200");
    assert_eq!(browser.press("session", "tamper").await, "401");
    assert_eq!(browser.press("jwt", "login").await, "200");
    let jwt_logged_in = Instant::now();
    assert_eq!(browser.press("jwt", "call").await, "200");
    assert_eq!(browser.press("jwt", "tamper").await, "401");

    browser.click("#redis-stop").await;
    let redis = browser
        .wait_text("#redis-state", Duration::from_secs(10), |t| t == "cut off")
        .await;
    assert_eq!(redis, "cut off");
    assert_eq!(browser.press("session", "call").await, "503");
    assert_eq!(browser.press("jwt", "call").await, "200");
    browser.click("#redis-start").await;
    browser
        .wait_text("#redis-state", Duration::from_secs(10), |t| t == "up")
        .await;
    // The page gives its session a short life; on a slow machine the steps above can
    // outlast it, and a 401 would then say the session expired, not that Redis lost it.
    let mut expired = logged_in.elapsed() >= Duration::from_secs(teaching::WEB_LIFETIME_SECS);
    let mut status = String::new();
    for _ in 0..10 {
        // Logging in again needs Redis too, so it is retried like the call.
        if expired {
            expired = browser.press("session", "login").await != "200";
            if expired {
                continue;
            }
        }
        status = browser.press("session", "call").await;
        if status == "200" {
            break;
        }
    }
    assert_eq!(status, "200", "the session flow recovered");

    // The token inspector decodes alice's token and has the API server check it (a fresh
    // one when the steps above outlasted the page's token lifetime).
    if jwt_logged_in.elapsed() >= Duration::from_secs(teaching::WEB_LIFETIME_SECS) {
        assert_eq!(
            browser.press_until("jwt", "login", "200").await,
            "200",
            "the JWT login after Redis came back"
        );
    }
    browser.click("#use-token").await;
    browser.click("#inspect").await;
    let inspection = browser
        .wait_text("#inspection", Duration::from_secs(10), |t| {
            t.contains("checked by")
        })
        .await;
    assert!(inspection.contains("\"sub\": \"alice\""), "{inspection}");
    assert!(
        inspection.contains("checked by the JWT API server: 200 valid"),
        "{inspection}"
    );

    assert_eq!(browser.press("session", "logout").await, "204");
    assert_eq!(browser.press("session", "call").await, "401");
    // A fresh JWT, so that the call after its logout cannot meet an expiry instead: on a
    // slow machine the steps since the last login can outlast the page's 15 s lifetime.
    assert_eq!(browser.press_until("jwt", "login", "200").await, "200");
    assert_eq!(browser.press("jwt", "logout").await, "200");
    assert_eq!(
        browser.press("jwt", "call").await,
        "200",
        "a JWT outlives its logout"
    );

    // Expire waits out the page's 15 s lifetimes, then calls again.
    assert_eq!(browser.press("session", "login").await, "200");
    assert_eq!(browser.press("session", "expire").await, "401");
    assert_eq!(browser.press("jwt", "expire").await, "401");

    let log = browser.text("#log").await;
    assert!(log.contains("api-session → session-auth"), "{log}");

    let png = browser.cmd(reqwest::Method::GET, "/screenshot", None).await;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let artifact = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("teaching-page.png");
    std::fs::write(&artifact, bytes).unwrap();
    eprintln!("screenshot: {}", artifact.display());
    browser.cmd(reqwest::Method::DELETE, "", None).await;
}
