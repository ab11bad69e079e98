package natsurl_test

import (
	"strings"
	"testing"

	"github.com/snbench/snbench/internal/natsurl"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, wantErr string // wantErr "" means valid
	}{
		{"nats://127.0.0.1:4222", ""},
		{"nats://a:4222, nats://b:4222", ""},
		{"tls://nats.example.com:4443", ""},
		{"ws://h:8080", ""},
		{"", "empty"},
		{"http://h:4222", `scheme "http"`},
		{"nats://", "no host"},
		{"nats://tok@h:4222", "carries credentials"},
		{"nats://u:secret@h:4222", "carries credentials"},
		{"nats://h:4222,nats://u:p@g:4222", "carries credentials"},
		{"nats://h:4222/\x7f", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := natsurl.CheckURL(tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "tok@") {
				t.Fatalf("error repeats the credentials: %v", err)
			}
		})
	}
}

func TestCheckSubject(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"snbench", "team-a.bench", "a.b.c"} {
		if err := natsurl.CheckSubject(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a..b", ".a", "a.", "a b", "a.*", "a.>", "x\ty"} {
		if err := natsurl.CheckSubject(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
