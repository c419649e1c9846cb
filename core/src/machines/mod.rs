//! The machines layer: the one protocol every machine speaks
//! ([`Machine`](machine::Machine)) and the machines built of single calls ([`Call`](machine::Call),
//! [`Pages`](machine::Pages)).

pub mod machine;
