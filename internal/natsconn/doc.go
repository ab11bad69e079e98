// Package natsconn connects snbench processes to NATS: the credentials a
// server may want (token, user and password, or a creds file) and how they
// travel to node processes, URL checks, and the embedded nats-server that
// the nats topology starts when no server is given.
package natsconn
