// Package natsserver is the embedded nats-server that the nats topology
// (and tests) start when no server is given. It is apart from natsconn,
// which node processes use to connect, so that a binary which links only
// the client does not initialise the server's packages each time one of
// its node processes starts (about 1.5 ms of CPU per process here).
package natsserver
