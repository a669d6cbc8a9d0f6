// Package cdc streams committed PostgreSQL changes out of a logical
// replication slot (pgoutput, protocol version 2 with streaming of large
// transactions) into a Sink, exactly once.
//
// The package has three layers:
//
//   - pure decoding: Decoder turns pgoutput bytes into typed messages
//     (relation cache included), Assembler turns those into complete
//     transactions, and ParseCopyText reads COPY text rows. None of them
//     touches the network; all are unit- and fuzz-tested.
//   - the Sink interface, declared here and implemented by the warehouse.
//   - Stream: the replication connection, publication and slot management,
//     the consistent initial snapshot, batching, heartbeats, metrics and
//     acknowledgements.
//
// Exactly once: a Sink stores the commit LSN of the last transaction in a
// batch in the same transaction as the batch's data. Stream reports to
// PostgreSQL as flushed only LSNs the Sink has durably stored (or, when
// nothing is pending at all, a server keepalive position past every
// received transaction), and on restart resumes from the Sink's Position.
package cdc
