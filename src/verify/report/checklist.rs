//! The decommission checklist, last on the verify page: numbered steps, each command in a `<pre>` block to copy,
//! and a marker on the steps that still hold a `<placeholder>` to fill in.

use crate::util::html::{escape, escape_lines};
use crate::verify::DecommissionStep;
use std::fmt::Write as _;

pub(super) fn section(html: &mut String, steps: &[DecommissionStep]) {
    html.push_str("<h2 id=\"decommission\">Decommission checklist</h2>\n");
    if steps.is_empty() {
        html.push_str("<p>No checklist was produced.</p>\n");
        return;
    }
    let open = steps.iter().filter(|s| !s.complete).count();
    let _ = writeln!(
        html,
        "<p>In this order, in the Lync Server Management Shell. {}</p>",
        if open == 0 {
            "Every command is filled in from the facts given.".to_string()
        } else {
            format!(
                "{open} step(s) marked \"to fill in\" still hold a &lt;placeholder&gt;: give the facts \
                 (-LegacyPoolFqdn, -TrustedApplicationId, -LegacyServer, -PersistentChatPoolFqdn, \
                 -LookupSipAddress) or fill them in by hand."
            )
        }
    );
    html.push_str("<ol class=\"checklist\">\n");
    for step in steps {
        let marker = if step.complete {
            ""
        } else {
            " <span class=\"open\">(to fill in)</span>"
        };
        let _ = write!(html, "<li><strong>{}</strong>{marker}", escape(&step.title));
        if let Some(command) = &step.command {
            let _ = write!(html, "<pre><code>{}</code></pre>", escape_lines(command));
        }
        let _ = writeln!(html, "<p>{}</p></li>", escape(&step.note));
    }
    html.push_str("</ol>\n");
}
