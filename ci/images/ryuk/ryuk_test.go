package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseFilterTestcontainersLine(t *testing.T) {
	// What testcontainers-java sends: URL-encoded key=value pairs joined with '&'.
	line := "label=org.testcontainers%3Dtrue&label=org.testcontainers.lang%3Djava&label=org.testcontainers.sessionId%3D0f2c-11"
	f, err := ParseFilter(line + "\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"org.testcontainers.lang=java", "org.testcontainers.sessionId=0f2c-11", "org.testcontainers=true"}
	if got := f["label"]; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("label = %v, want %v", got, want)
	}
	var m map[string]map[string]bool
	if err := json.Unmarshal([]byte(f.JSON()), &m); err != nil {
		t.Fatal(err)
	}
	if !m["label"]["org.testcontainers.sessionId=0f2c-11"] || len(m["label"]) != 3 {
		t.Fatalf("JSON = %s", f.JSON())
	}
}

func TestParseFilterPlainAndErrors(t *testing.T) {
	f, err := ParseFilter("label=a=b&name=x")
	if err != nil {
		t.Fatal(err)
	}
	if f["label"][0] != "a=b" || f["name"][0] != "x" {
		t.Fatalf("got %v", f)
	}
	for _, bad := range []string{"", "   ", "%zz=1", "=v"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("ParseFilter(%q) succeeded, want error", bad)
		}
	}
}

func TestFilterKeyIsOrderInsensitive(t *testing.T) {
	a, _ := ParseFilter("label=x%3D1&label=y%3D2")
	b, _ := ParseFilter("label=y%3D2&label=x%3D1")
	if a.Key() != b.Key() {
		t.Fatalf("%q != %q", a.Key(), b.Key())
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The TCP side: ACK per line, prune after the last client left and the reconnection timeout.
func TestProtocolAckAndReconnectionTimeout(t *testing.T) {
	d, _ := NewDocker("unix:///nonexistent.sock", time.Second)
	cfg := Config{ConnectionTimeout: 5 * time.Second, ReconnectionTimeout: 200 * time.Millisecond,
		RequestTimeout: time.Second, RemoveRetries: 0, RetryOffset: 10 * time.Millisecond, ShutdownTimeout: 2 * time.Second}
	r := NewReaper(cfg, d, quietLogger())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), ln) }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(c)
	for _, line := range []string{"label=a%3D1", "label=a%3D1", "label=b%3D2&label=c%3D3"} {
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		ack, err := rd.ReadString('\n')
		if err != nil || ack != "ACK\n" {
			t.Fatalf("ack = %q, %v", ack, err)
		}
	}
	if n := len(r.Filters()); n != 2 {
		t.Fatalf("filters = %d, want 2 (duplicates collapsed)", n)
	}
	select {
	case <-done:
		t.Fatal("reaper finished while a client was connected")
	case <-time.After(400 * time.Millisecond):
	}
	start := time.Now()
	c.Close()
	select {
	case <-done: // prune fails (no docker) - we only check the timing here
		if el := time.Since(start); el < 150*time.Millisecond {
			t.Fatalf("pruned after %v, before the reconnection timeout", el)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reaper did not finish after the reconnection timeout")
	}
}

// Real test against the Docker engine: a labelled (created, not started) container and a
// labelled network are removed; an unlabelled container is kept. Skipped without Docker.
func TestPruneAgainstDocker(t *testing.T) {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		if _, err := os.Stat("/var/run/docker.sock"); err != nil {
			t.Skip("no Docker socket")
		}
	}
	d, err := NewDocker(host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Ping(ctx); err != nil {
		t.Skip("Docker not reachable: ", err)
	}
	image := os.Getenv("RYUK_TEST_IMAGE")
	if image == "" {
		image = "sandbox-local/debian:trixie"
	}
	if err := d.do(ctx, "GET", "/images/"+image+"/json", nil, nil); err != nil {
		t.Skip("test image not present: ", image)
	}
	session := "ryuk-test-" + time.Now().Format("150405.000000")
	create := func(labels map[string]string) string {
		body, _ := json.Marshal(map[string]any{"Image": image, "Cmd": []string{"true"}, "Labels": labels})
		req, _ := newJSONRequest(ctx, d, "/containers/create", body)
		var out struct{ Id string }
		if err := req(&out); err != nil {
			t.Fatal(err)
		}
		return out.Id
	}
	doomed := create(map[string]string{"org.testcontainers": "true", "org.testcontainers.sessionId": session})
	kept := create(map[string]string{"org.testcontainers.sessionId": session + "-other"})
	defer d.RemoveContainer(ctx, kept)
	netBody, _ := json.Marshal(map[string]any{"Name": session, "Labels": map[string]string{"org.testcontainers.sessionId": session}})
	netReq, _ := newJSONRequest(ctx, d, "/networks/create", netBody)
	if err := netReq(nil); err != nil {
		t.Fatal(err)
	}

	r := NewReaper(Config{RequestTimeout: 10 * time.Second, RemoveRetries: 3, RetryOffset: 100 * time.Millisecond,
		ShutdownTimeout: time.Minute}, d, quietLogger())
	f, _ := ParseFilter("label=org.testcontainers%3Dtrue&label=org.testcontainers.sessionId%3D" + url.QueryEscape(session))
	r.addFilter(f)
	nf, _ := ParseFilter("label=org.testcontainers.sessionId%3D" + url.QueryEscape(session))
	r.addFilter(nf)
	if err := r.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.do(ctx, "GET", "/containers/"+doomed+"/json", nil, nil); !isNotFound(err) {
		t.Fatalf("labelled container still there: %v", err)
	}
	if err := d.do(ctx, "GET", "/containers/"+kept+"/json", nil, nil); err != nil {
		t.Fatalf("unrelated container removed: %v", err)
	}
	if ids, _ := d.Networks(ctx, nf); len(ids) != 0 {
		t.Fatalf("labelled network still there: %v", ids)
	}
}

// newJSONRequest returns a func doing a POST with a JSON body (test helper).
func newJSONRequest(ctx context.Context, d *Docker, path string, body []byte) (func(out any) error, error) {
	return func(out any) error {
		req, err := httpPost(ctx, d.base+path, body)
		if err != nil {
			return err
		}
		resp, err := d.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			return &APIError{Status: resp.StatusCode, Msg: string(b)}
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}, nil
}
