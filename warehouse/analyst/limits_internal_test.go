package analyst

import (
	"errors"
	"testing"

	"github.com/carcarehub/cch/oltp"
)

func TestAdmissionBoundsCallerAndProcess(t *testing.T) {
	var a admission
	var releases []func()
	take := func(staff int64) error {
		r, err := a.acquire(staff, 2, 3)
		if err == nil {
			releases = append(releases, r)
		}
		return err
	}
	for _, staff := range []int64{1, 1, 2} {
		if err := take(staff); err != nil {
			t.Fatalf("staff %d: %v", staff, err)
		}
	}
	var e *oltp.Error
	if err := take(1); !errors.As(err, &e) || e.Status != 429 || e.Detail != "2 analyst queries are already running for you; retry when one has finished" {
		t.Errorf("third query of one caller: %v", err)
	}
	if err := take(3); !errors.As(err, &e) || e.Detail != "3 analyst queries are already running on this warehouse; retry when one has finished" {
		t.Errorf("fourth query in the process: %v", err)
	}
	releases[0]()
	releases[0]() // a second release gives nothing back
	if err := take(3); err != nil {
		t.Errorf("after a release: %v", err)
	}
	if err := take(4); err == nil {
		t.Error("a double release freed two slots")
	}
}

func TestCappedBufferRefusesPastLimit(t *testing.T) {
	b := &cappedBuffer{limit: 4}
	if _, err := b.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write([]byte("de")); !errors.Is(err, errCapped) || b.String() != "abc" {
		t.Errorf("past the limit: %v, %q", err, b.String())
	}
}
