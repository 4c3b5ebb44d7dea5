package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// Webhook posts a JSON message for every failed or abandoned run to a URL (a Slack or
// Teams incoming webhook, an alert manager, a small service of your own).
type Webhook struct {
	URL    string
	Client *http.Client
}

// FailureMessage is the JSON body the webhook receives.
type FailureMessage struct {
	// Event is always "job_run_failed"; Run.Status says failed or
	// abandoned.
	Event string `json:"event"`
	// Text is a one-line summary (Slack and Teams display it).
	Text string `json:"text"`
	Run  Run    `json:"run"`
}

// NewWebhook returns a webhook with a client that gives up after timeout.
func NewWebhook(url string, timeout time.Duration) *Webhook {
	return &Webhook{URL: url, Client: &http.Client{Timeout: timeout}}
}

// Notify implements Notifier. A non-2xx answer is an error.
func (w *Webhook) Notify(ctx context.Context, r Run) error {
	msg := FailureMessage{
		Event: "job_run_failed",
		Text:  fmt.Sprintf("memberlytics: job %s %s for %s after %d attempt(s): %s", r.Job, r.Status, r.AsOf.Format(asof.Layout), r.Attempt, r.Error),
		Run:   r,
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	where := RedactURL(w.URL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: invalid URL", where)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "memberlytics")
	resp, err := w.Client.Do(req)
	if err != nil {
		// *url.Error prints the URL with its path and query: keep only
		// the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook %s: post: %w", where, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: answered %s", where, resp.Status)
	}
	return nil
}

// RedactURL returns scheme://host of a URL, the only part of a webhook
// URL safe to log (incoming webhooks carry their key in the path or the
// query, some a password in the user info).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}
