//! `index.html`: one self-contained page (no network, no CDN): the matrix
//! of cases (rows, grouped by API) × targets (columns), coloured by
//! verdict, with filters, and the side-by-side diff of a cell on click.

use anyhow::Result;

use super::Results;

/// The page; `__DATA__` is replaced by the results as JSON.
const PAGE: &str = include_str!("matrix.html");

pub fn render(results: &Results) -> Result<String> {
    // `</` inside the JSON would end the script element.
    let json = serde_json::to_string(results)?.replace("</", "<\\/");
    Ok(PAGE.replace("__DATA__", &json))
}
