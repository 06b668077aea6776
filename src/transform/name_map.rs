//! Reading a `-NameMap` file (CSV or JSON).
