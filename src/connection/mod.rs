//! Connection layer: `-DBInstance` parsing, authentication, TLS, timeouts, retries.

mod connect;
pub mod instance;
pub mod params;
pub mod transaction;

pub use connect::{build_config, connect, sql_error, SqlClient, SqlConnection};
pub use instance::DbInstance;
pub use params::{
    Authentication, ConnectionParams, ConnectionSettings, Credentials, Encryption, Secret,
};
pub use transaction::in_transaction;
