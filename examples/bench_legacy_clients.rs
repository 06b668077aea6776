//! Legacy-client planner benchmark (not a test): a deployment with D SIP domains (default 50, so 50 default
//! addresses), E existing endpoints and O AD objects holding SIP addresses (defaults 20,000 each; one ocschat user
//! per domain among them), planned as `legacy_clients_plan` does: JSON facts in, JSON plan out. Prints the sizes,
//! the steps and the wall time of parsing + planning + serializing, best of 5 runs.
//!
//! Run: `cargo run --release --example bench_legacy_clients [DOMAINS] [ENDPOINTS] [OWNERS]`.

use pchat_migrate::operations::{self, Request};
use serde_json::{json, Value};
use std::time::Instant;

fn facts(domains: usize, endpoints: usize, owners: usize) -> Value {
    let domain = |i: usize| format!("d{i}.contoso.com");
    let sip_domains: Vec<Value> = (0..domains)
        .map(|i| json!({ "name": domain(i), "isDefault": i == 0 }))
        .collect();
    let endpoint_list: Vec<Value> = (0..endpoints)
        .map(|i| {
            json!({
                "sipAddress": format!("sip:endpoint{i}@{}", domain(i % domains)),
                "persistentChatPoolFqdn": "pcpool.contoso.com",
                "displayName": format!("Endpoint {i}"),
                "distinguishedName": ""
            })
        })
        .collect();
    let mut owner_list: Vec<Value> = (0..owners.saturating_sub(domains))
        .map(|i| {
            json!({
                "identity": format!("CN=user{i},CN=Users,DC=contoso,DC=com"),
                "sipAddress": format!("sip:user{i}@{}", domain(i % domains)),
                "enabled": true,
                "registrarPool": "fe2013.contoso.com",
                "objectKind": "user",
                "displayName": ""
            })
        })
        .collect();
    owner_list.extend((0..domains).map(|i| {
        json!({
            "identity": format!("CN=ocschat{i},CN=Users,DC=contoso,DC=com"),
            "sipAddress": format!("sip:ocschat@{}", domain(i)),
            "enabled": true,
            "registrarPool": "fe2010.contoso.com",
            "objectKind": "user",
            "displayName": "Group Chat Lookup"
        })
    }));
    json!({
        "persistentChatPoolFqdn": "pcpool.contoso.com",
        "sipDomains": sip_domains,
        "pools": ["PersistentChatServer:pcpool.contoso.com"],
        "owners": owner_list,
        "endpoints": endpoint_list,
        "registrarPools": [{ "fqdn": "fe2010.contoso.com", "version": 5 }, { "fqdn": "fe2013.contoso.com", "version": 6 }]
    })
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (domains, endpoints, owners) = (arg(1, 50), arg(2, 20_000), arg(3, 20_000));
    let text =
        json!({ "operation": "legacy_clients_plan", "params": facts(domains, endpoints, owners) })
            .to_string();
    let mut best = f64::MAX;
    let mut plan = Value::Null;
    for _ in 0..5 {
        let started = Instant::now();
        let request = Request::parse(&text).expect("request");
        plan = operations::call(&request).expect("plans");
        let out = plan.to_string();
        best = best.min(started.elapsed().as_secs_f64());
        assert!(!out.is_empty());
    }
    let steps = plan["steps"].as_array().map_or(0, Vec::len);
    println!(
        "facts: {domains} SIP domains, {endpoints} endpoints, {owners} address owners ({} bytes of JSON)",
        text.len()
    );
    println!(
        "plan: status {}, {steps} steps, {} warnings, {} bytes of JSON",
        plan["status"],
        plan["warnings"].as_array().map_or(0, Vec::len),
        plan.to_string().len()
    );
    println!(
        "time: {:.1} ms (best of 5: parse, plan, serialize)",
        best * 1000.0
    );
}
