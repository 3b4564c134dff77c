//! How the workbench writes and reads its quantities: every number in a progress line, a
//! chart label or a report sentence goes through these, so the same value reads the same
//! everywhere.

use std::time::Duration;

/// What the report prints where a value is missing.
pub const MISSING: &str = "–";

/// Readable numbers: `74 264`, `5.2`, `0.41`.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1000.0 {
        let digits = format!("{:.0}", v);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 && c != '-' {
                out.push(' ');
            }
            out.push(c);
        }
        out
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// Axis ticks: `0.5`, `20`, `80 000`, without the trailing zeros of [`number`].
pub fn tick(v: f64) -> String {
    if v.abs() >= 1000.0 {
        return number(v);
    }
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A share as a whole percentage: `0.81` reads `81 %`.
pub fn percent(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

/// `850µs`, `12.3ms`, `1.20s`.
pub fn show_us(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..1_000_000 => format!("{:.2}ms", us as f64 / 1000.0),
        _ => format!("{:.2}s", us as f64 / 1e6),
    }
}

/// `0.12 ms`, `850 ms`, `4.2 s`, `7.5 min`.
pub fn show_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 120_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.1} min", ms / 60_000.0)
    }
}

/// The value shown by `show`, or [`MISSING`].
pub fn or_missing<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map(show).unwrap_or_else(|| MISSING.into())
}

/// Parses `250us`, `500ms`, `5s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 500ms, 5s, 2m)"))?;
    let secs = match unit {
        "us" | "µs" => value / 1e6,
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("`{s}`: the unit must be us, ms, s or m")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(number(74264.4), "74 264");
        assert_eq!(number(1234567.0), "1 234 567");
        assert_eq!(number(512.3), "512");
        assert_eq!(number(18.44), "18.4");
        assert_eq!(number(3.071), "3.07");
        assert_eq!(number(0.4012), "0.401");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(80_000.0), "80 000");
    }

    #[test]
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn times_read_in_the_unit_that_fits() {
        assert_eq!(show_us(850), "850µs");
        assert_eq!(show_us(12_300), "12.30ms");
        assert_eq!(show_ms(0.12), "0.12 ms");
        assert_eq!(show_ms(450_000.0), "7.5 min");
        assert_eq!(percent(0.814), "81 %");
    }
}
