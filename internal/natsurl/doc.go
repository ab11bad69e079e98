// Package natsurl checks the NATS server URLs and subjects that plans
// carry. It depends on nothing but the standard library, so that the
// results package can validate plans without linking NATS.
package natsurl
