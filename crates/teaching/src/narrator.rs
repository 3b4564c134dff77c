//! How a demo speaks: numbered steps in English or Korean, the real HTTP exchanges with
//! the headers that matter, who talked to whom, and how long each hop took. Colours and
//! pauses only on a terminal; plain text when piped.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

use reqwest::header::HeaderMap;

/// The narration's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Ko,
}

/// One HTTP answer as a demo saw it.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// A string field of the JSON body.
    pub fn field(&self, name: &str) -> Option<String> {
        let json: serde_json::Value = serde_json::from_str(&self.body).ok()?;
        json.get(name)?.as_str().map(str::to_string)
    }

    /// The `dur` of the `Server-Timing` header, in milliseconds.
    pub fn server_timing_ms(&self) -> Option<f64> {
        server_timing_ms(&self.headers)
    }
}

/// The `dur` of a `Server-Timing` header, in milliseconds.
pub fn server_timing_ms(headers: &HeaderMap) -> Option<f64> {
    headers
        .get("server-timing")?
        .to_str()
        .ok()?
        .split(';')
        .find_map(|part| part.trim().strip_prefix("dur="))?
        .parse()
        .ok()
}

pub struct Narrator {
    lang: Lang,
    color: bool,
    pause: bool,
    client: reqwest::Client,
}

/// Headers worth showing a student: the credential and what the servers say about it.
const SHOWN_REQUEST: [&str; 3] = ["authorization", "content-type", "cookie"];
const SHOWN_RESPONSE: [&str; 6] = [
    "www-authenticate",
    "server-timing",
    "cache-control",
    "retry-after",
    "set-cookie",
    "content-type",
];

impl Narrator {
    pub fn new(lang: Lang, pause: bool) -> Narrator {
        let terminal = std::io::stdout().is_terminal();
        Narrator {
            lang,
            color: terminal && std::env::var_os("NO_COLOR").is_none(),
            pause: pause && terminal && std::io::stdin().is_terminal(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The text in the narration's language.
    pub fn t<'a>(&self, en: &'a str, ko: &'a str) -> &'a str {
        match self.lang {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn title(&self, en: &str, ko: &str) {
        let text = self.t(en, ko);
        println!("\n{}", self.paint("1;4", text));
    }

    /// A numbered step of the design note (`1-2`, `3`, `4-6`); with `--step`, waits for
    /// Enter first.
    pub fn step(&self, number: &str, en: &str, ko: &str) {
        let label = match self.lang {
            Lang::En if number.contains('-') => format!("Steps {number}"),
            Lang::En => format!("Step {number}"),
            Lang::Ko => format!("{number}단계"),
        };
        self.heading(&label, self.t(en, ko));
    }

    /// A stage outside the note's numbered steps (logout, refresh, an outage).
    pub fn part(&self, label_en: &str, label_ko: &str, en: &str, ko: &str) {
        self.heading(self.t(label_en, label_ko), self.t(en, ko));
    }

    fn heading(&self, label: &str, text: &str) {
        if self.pause {
            print!("{}", self.paint("2", "  [Enter] "));
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
        }
        println!(
            "\n{} {}",
            self.paint("1;36", &format!("{label} ·")),
            self.paint("1", text)
        );
    }

    pub fn say(&self, en: &str, ko: &str) {
        for line in self.t(en, ko).lines() {
            println!("  {line}");
        }
    }

    /// A fact the demo read itself (Redis contents, a decoded token).
    pub fn show(&self, label: &str, value: &str) {
        println!("  {} {value}", self.paint("33", &format!("{label}:")));
    }

    /// Sends `request` from `from` to `to`, prints both sides and the time it took.
    pub async fn exchange(
        &self,
        from: &str,
        to: &str,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<Answer> {
        let request = request.build()?;
        println!(
            "  {} {} {}",
            self.paint("35", &format!("{from} → {to}")),
            self.paint("1", request.method().as_str()),
            request.url()
        );
        for (name, value) in request.headers() {
            if SHOWN_REQUEST.contains(&name.as_str()) {
                println!("      {name}: {}", abbreviate(value.to_str().unwrap_or("?")));
            }
        }
        if let Some(body) = request.body().and_then(|b| b.as_bytes()) {
            println!("      {}", abbreviate(&String::from_utf8_lossy(body)));
        }
        let started = Instant::now();
        let response = self.client.execute(request).await?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        let colour = match status.as_u16() {
            200..=299 => "32",
            400..=499 => "33",
            _ => "31",
        };
        println!(
            "  {} {}  {}",
            self.paint("35", &format!("{to} → {from}")),
            self.paint(&format!("1;{colour}"), &status.to_string()),
            self.paint("2", &format!("({ms:.2} ms)"))
        );
        for name in SHOWN_RESPONSE {
            if let Some(value) = headers.get(name) {
                println!("      {name}: {}", abbreviate(value.to_str().unwrap_or("?")));
            }
        }
        if !body.is_empty() {
            println!("      {}", abbreviate(&body));
        }
        Ok(Answer {
            status: status.as_u16(),
            headers,
            body,
        })
    }
}

/// Long credentials and bodies cut to a readable length, saying how long they were.
fn abbreviate(text: &str) -> String {
    const KEEP: usize = 160;
    if text.chars().count() <= KEEP {
        return text.to_string();
    }
    let head: String = text.chars().take(KEEP).collect();
    format!("{head}… ({} bytes)", text.len())
}
