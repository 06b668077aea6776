//! pchat-seed: creates a Group Chat / Persistent Chat database and fills it with a generated
//! deployment.
//!
//! ```text
//! pchat-seed --server 127.0.0.1,PORT --user sa --password P [--plaintext|--trust-server-certificate] \
//!     --database NAME --kind legacy2010|ocsr2|mgc2013 --size tiny|small|medium|large|messages:N --seed 42 \
//!     [--published-only] [--schema-only]
//! ```
//! `--schema-only` creates the database with its schema and the rows the schema script itself inserts (for
//! `mgc2013`: the lookup tables, the system principal and the root category), i.e. a freshly installed
//! Persistent Chat database: the target of an import.
//! The password can also come from the `PCHAT_SEED_PASSWORD` environment variable; it is never
//! printed.

use std::time::Instant;

use chat_fixtures::{
    create_database_as, generate_mgc_model, generate_model, write::WriteOptions, DatabaseKind,
    Progress, Schema, Size,
};
use clap::Parser;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

#[derive(Parser, Debug)]
#[command(
    name = "pchat-seed",
    about = "Create and fill a test Group Chat / Persistent Chat database"
)]
struct Args {
    /// SQL Server address: HOST or HOST,PORT (default port 1433).
    #[arg(long)]
    server: String,
    /// SQL login.
    #[arg(long)]
    user: String,
    /// SQL password (or set PCHAT_SEED_PASSWORD).
    #[arg(long, env = "PCHAT_SEED_PASSWORD", hide_env_values = true)]
    password: String,
    /// No TLS at all (test servers only).
    #[arg(long, conflicts_with = "trust_server_certificate")]
    plaintext: bool,
    /// TLS without certificate validation.
    #[arg(long)]
    trust_server_certificate: bool,
    /// Database to create and fill.
    #[arg(long)]
    database: String,
    /// Schema: legacy2010, ocsr2 or mgc2013.
    #[arg(long)]
    kind: DatabaseKind,
    /// tiny, small, medium, large or messages:N.
    #[arg(long, default_value = "tiny")]
    size: Size,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Only the columns the published Lync 2010 schema lists (legacy kinds; see docs/schema-assumptions.md).
    #[arg(long)]
    published_only: bool,
    /// Create the schema (and the rows its script inserts) only, without a generated deployment.
    #[arg(long, conflicts_with = "published_only")]
    schema_only: bool,
    /// Write messages with INSERT statements instead of bulk load.
    #[arg(long)]
    no_bulk: bool,
    /// Print progress to stderr.
    #[arg(long)]
    verbose: bool,
}

fn parse_server(s: &str) -> Result<(String, u16), String> {
    let s = s.trim().trim_start_matches("tcp:");
    match s.rsplit_once(',') {
        Some((host, port)) => Ok((
            host.to_string(),
            port.trim()
                .parse()
                .map_err(|e| format!("bad port in --server {s:?}: {e}"))?,
        )),
        None => Ok((s.to_string(), 1433)),
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Args::parse()).await {
        eprintln!("pchat-seed: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> chat_fixtures::Result<()> {
    let (host, port) = parse_server(&args.server)?;
    let mut config = Config::new();
    config.host(&host);
    config.port(port);
    config.database("master");
    config.application_name("pchat-seed");
    config.authentication(AuthMethod::sql_server(&args.user, &args.password));
    if args.plaintext {
        config.encryption(EncryptionLevel::NotSupported);
    } else if args.trust_server_certificate {
        config.trust_cert();
    }
    let tcp = TcpStream::connect((host.as_str(), port)).await?;
    tcp.set_nodelay(true)?;
    let mut client = Client::connect(config, tcp.compat_write()).await?;

    let started = Instant::now();
    let schema = if args.published_only {
        Schema::published_only(args.kind)
    } else {
        args.kind.into()
    };
    create_database_as(&mut client, &args.database, schema).await?;
    if args.schema_only {
        println!(
            "pchat-seed: database={} kind={:?} schema only elapsed={:.1}s",
            args.database,
            args.kind,
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let dep = match args.kind {
        DatabaseKind::Mgc2013 => generate_mgc_model(args.seed, args.size),
        _ => generate_model(args.seed, args.size),
    };
    let opts = WriteOptions {
        bulk_messages: !args.no_bulk,
        ..WriteOptions::default()
    };
    let verbose = args.verbose;
    let mut progress = move |p: Progress| {
        if verbose {
            match p {
                Progress::Table { table, rows } => eprintln!("  {table}: {rows} rows"),
                Progress::Messages { written, total } => {
                    eprintln!("  tblChat: {written}/{total} messages")
                }
            }
        }
    };
    let counts =
        chat_fixtures::write::write_schema_with(&mut client, &dep, schema, opts, &mut progress)
            .await?;
    println!(
        "pchat-seed: database={} kind={:?} size={:?} seed={} {} elapsed={:.1}s",
        args.database,
        args.kind,
        args.size,
        args.seed,
        counts,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
