package grpctopology

import (
	"context"

	"google.golang.org/grpc"
)

// The service, declared by hand: two unary calls and one bidirectional
// stream, all carrying msgs through codec.
const (
	serviceName   = "snbench.grpc.Node"
	methodHello   = "/" + serviceName + "/Hello"
	methodStats   = "/" + serviceName + "/Stats"
	methodBatches = "/" + serviceName + "/Batches"
)

// nodeService is what a node serves.
type nodeService interface {
	hello(ctx context.Context, req []byte) ([]byte, error)
	stats(ctx context.Context) ([]byte, error)
	batches(stream grpc.ServerStream) error
}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*nodeService)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Hello", Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			var in msg
			if err := dec(&in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				out, err := srv.(nodeService).hello(ctx, req.(*msg).b)
				return &msg{b: out}, err
			}
			if ic == nil {
				return call(ctx, &in)
			}
			return ic(ctx, &in, &grpc.UnaryServerInfo{Server: srv, FullMethod: methodHello}, call)
		}},
		{MethodName: "Stats", Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			var in msg
			if err := dec(&in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, _ any) (any, error) {
				out, err := srv.(nodeService).stats(ctx)
				return &msg{b: out}, err
			}
			if ic == nil {
				return call(ctx, &in)
			}
			return ic(ctx, &in, &grpc.UnaryServerInfo{Server: srv, FullMethod: methodStats}, call)
		}},
	},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Batches",
		ServerStreams: true,
		ClientStreams: true,
		Handler:       func(srv any, stream grpc.ServerStream) error { return srv.(nodeService).batches(stream) },
	}},
}
