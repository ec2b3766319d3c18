package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Docker is a minimal Docker Engine API client (standard library only).
type Docker struct {
	http    *http.Client
	base    string // e.g. http://docker
	timeout time.Duration
}

func NewDocker(host string, timeout time.Duration) (*Docker, error) {
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("DOCKER_HOST %q: %w", host, err)
	}
	tr := &http.Transport{MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	base := ""
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			path = u.Host
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		base = "http://docker"
	case "tcp", "http":
		base = "http://" + u.Host
	default:
		return nil, fmt.Errorf("DOCKER_HOST scheme %q not supported", u.Scheme)
	}
	return &Docker{http: &http.Client{Transport: tr}, base: base, timeout: timeout}, nil
}

// APIError is a non-2xx answer from the engine.
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string { return fmt.Sprintf("docker API %d: %s", e.Status, e.Msg) }

func (d *Docker) do(ctx context.Context, method, path string, q url.Values, out any) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	u := d.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var m struct{ Message string }
		if json.Unmarshal(body, &m) != nil || m.Message == "" {
			m.Message = strings.TrimSpace(string(body))
		}
		return &APIError{Status: resp.StatusCode, Msg: m.Message}
	}
	if out != nil {
		return json.Unmarshal(body, out)
	}
	return nil
}

func (d *Docker) Ping(ctx context.Context) error {
	return d.do(ctx, http.MethodGet, "/_ping", nil, nil)
}

type idOnly struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

func (d *Docker) listIDs(ctx context.Context, path string, q url.Values, volumes bool) ([]string, error) {
	var ids []string
	if volumes {
		var r struct{ Volumes []idOnly }
		if err := d.do(ctx, http.MethodGet, path, q, &r); err != nil {
			return nil, err
		}
		for _, v := range r.Volumes {
			ids = append(ids, v.Name)
		}
		return ids, nil
	}
	var r []idOnly
	if err := d.do(ctx, http.MethodGet, path, q, &r); err != nil {
		return nil, err
	}
	for _, x := range r {
		ids = append(ids, x.ID)
	}
	return ids, nil
}

func (d *Docker) Containers(ctx context.Context, f Filter) ([]string, error) {
	return d.listIDs(ctx, "/containers/json", url.Values{"all": {"1"}, "filters": {f.JSON()}}, false)
}
func (d *Docker) Networks(ctx context.Context, f Filter) ([]string, error) {
	return d.listIDs(ctx, "/networks", url.Values{"filters": {f.JSON()}}, false)
}
func (d *Docker) Volumes(ctx context.Context, f Filter) ([]string, error) {
	return d.listIDs(ctx, "/volumes", url.Values{"filters": {f.JSON()}}, true)
}
func (d *Docker) Images(ctx context.Context, f Filter) ([]string, error) {
	return d.listIDs(ctx, "/images/json", url.Values{"filters": {f.JSON()}}, false)
}

func (d *Docker) RemoveContainer(ctx context.Context, id string) error {
	return d.do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"force": {"1"}, "v": {"1"}}, nil)
}
func (d *Docker) RemoveNetwork(ctx context.Context, id string) error {
	return d.do(ctx, http.MethodDelete, "/networks/"+id, nil, nil)
}
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	return d.do(ctx, http.MethodDelete, "/volumes/"+name, url.Values{"force": {"1"}}, nil)
}
func (d *Docker) RemoveImage(ctx context.Context, id string) error {
	return d.do(ctx, http.MethodDelete, "/images/"+id, url.Values{"force": {"1"}, "noprune": {"0"}}, nil)
}

func isNotFound(err error) bool {
	if e, ok := err.(*APIError); ok {
		return e.Status == http.StatusNotFound || (e.Status == http.StatusConflict && strings.Contains(e.Msg, "already in progress"))
	}
	return false
}

// selfID guesses our own container ID (Docker sets the hostname to the short ID) so that a
// filter which also matches the reaper's own container does not make it kill itself first.
func selfID() string {
	h, _ := os.Hostname()
	if len(h) >= 12 && strings.Trim(strings.ToLower(h), "0123456789abcdef") == "" {
		return strings.ToLower(h)
	}
	return ""
}
