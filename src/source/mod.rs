//! Source readers: a Lync 2010 / OCS 2007 R2 Group Chat or a Lync 2013 Persistent Chat database, read-only.

pub mod columns;
pub mod entities;
pub mod history;
pub mod requirements;

pub use entities::{read_entities, RoleType, SourceEntities};
pub use history::{
    count_history, snapshot_bounds, stream_room, RoomBound, RoomHistoryCount, RoomSlice,
};
