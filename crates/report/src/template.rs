//! Rendering the report's templates: markdown with `{{ value }}` and `{% for %}` blocks
//! (minijinja), filled with rows that Rust has already formatted. Block tags take their own
//! line and its newline with them, so a template reads like the markdown it writes.

use minijinja::Environment;
use serde::Serialize;

/// The environment every report template renders in.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env
}

/// Renders `source` (called `name` in errors) with `context`. A template is part of the
/// binary, so an error here is a defect in it, reported with its name and line.
pub fn render(name: &str, source: &str, context: impl Serialize) -> anyhow::Result<String> {
    let mut env = environment();
    env.add_template_owned(name.to_string(), source.to_string())
        .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
    let template = env
        .get_template(name)
        .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
    template
        .render(context)
        .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))
}

/// [`render`] for a block that goes inside a paragraph list (a section's table): without
/// the template file's last newline.
pub fn render_block(name: &str, source: &str, context: impl Serialize) -> anyhow::Result<String> {
    let mut text = render(name, source, context)?;
    while text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}
