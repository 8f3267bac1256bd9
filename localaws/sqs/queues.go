package sqs

import (
	"context"
	"encoding/base64"
	"maps"
	"sort"
	"strconv"
	"strings"
)

// validQueueName applies AWS's queue name rules.
func validQueueName(name string, fifo bool) bool {
	base := name
	if fifo {
		var ok bool
		if base, ok = strings.CutSuffix(name, ".fifo"); !ok {
			return false
		}
	}
	if base == "" || len(name) > 80 {
		return false
	}
	for i := 0; i < len(base); i++ {
		c := base[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// dlqKind reports whether a dead-letter target exists and is FIFO.
func (s *Service) dlqKind(arn string) (bool, bool) {
	q := s.lookupARN(arn)
	if q == nil {
		return false, false
	}
	return true, q.fifo
}

// CreateQueue creates a queue, or returns the URL of an existing queue
// whose attributes equal the requested ones.
func (s *Service) CreateQueue(ctx context.Context, name string, attrs, tags map[string]string) (string, error) {
	if name == "" {
		return "", errMissingParameter("QueueName")
	}
	fifo := attrs[attrFifoQueue] == "true"
	if !validQueueName(name, fifo) {
		if !fifo && strings.HasSuffix(name, ".fifo") && validQueueName(name, true) {
			return "", errInvalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return "", errInvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	want, err := validateAttrs(attrs, fifo, true, s.dlqKind)
	if err != nil {
		return "", err
	}
	full := defaultAttrs(fifo)
	maps.Copy(full, want)
	if err := checkFifoCombination(full); err != nil {
		return "", err
	}
	for k, v := range full {
		if v == "" {
			delete(full, k)
		}
	}
	if len(tags) > 50 {
		return "", errInvalidParameter("Too many tags added for queue %s.", name)
	}
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.mu.Lock()
	if q := s.byName[name]; q != nil {
		s.mu.Unlock()
		q.mu.Lock()
		same := q.fifo == fifo && sameAttrs(q.attrs, want)
		q.mu.Unlock()
		if !same {
			return "", errQueueNameExists(name)
		}
		return q.url, nil
	}
	now := s.cfg.Now().Unix()
	q := newQueue(s.nextQID, name, s.queueURL(name), s.queueARN(name), fifo, full, maps.Clone(tags), now)
	s.nextQID++
	q.mu.Lock() // held until the record is durable: no change of the queue can be logged before it
	defer q.mu.Unlock()
	s.byName[name], s.byID[q.qid] = q, q
	s.mu.Unlock()
	if err := s.appendRecs(context.WithoutCancel(ctx), true, queueRecord(q)); err != nil {
		s.mu.Lock()
		delete(s.byName, name)
		delete(s.byID, q.qid)
		s.mu.Unlock()
		q.deleted = true
		return "", err
	}
	return q.url, nil
}

// GetQueueURL returns the URL of the named queue.
func (s *Service) GetQueueURL(name, owner string) (string, error) {
	if name == "" {
		return "", errMissingParameter("QueueName")
	}
	if owner != "" && owner != s.cfg.AccountID {
		return "", errQueueDoesNotExist()
	}
	q := s.lookupName(name)
	if q == nil {
		return "", errQueueDoesNotExist()
	}
	return q.url, nil
}

// page cuts a sorted name list by token and max results.
func page(names []string, maxResults *int32, token string) ([]string, string, error) {
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", errInvalidParameter("Invalid NextToken value.")
		}
		i := sort.SearchStrings(names, string(b))
		for i < len(names) && names[i] <= string(b) {
			i++
		}
		names = names[i:]
	}
	limit := 1000
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 1000 {
			return nil, "", errInvalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *maxResults)
		}
		limit = int(*maxResults)
	}
	next := ""
	if len(names) > limit {
		names = names[:limit]
		if maxResults != nil {
			next = base64.RawURLEncoding.EncodeToString([]byte(names[limit-1]))
		}
	}
	return names, next, nil
}

// ListQueues lists queue URLs whose names start with prefix.
func (s *Service) ListQueues(prefix string, maxResults *int32, token string) ([]string, string, error) {
	s.mu.RLock()
	var names []string
	for n := range s.byName {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	names, next, err := page(names, maxResults, token)
	if err != nil {
		return nil, "", err
	}
	urls := make([]string, len(names))
	for i, n := range names {
		urls[i] = s.queueURL(n)
	}
	return urls, next, nil
}

// ListDeadLetterSourceQueues lists the queues whose RedrivePolicy targets dlq.
func (s *Service) ListDeadLetterSourceQueues(dlq *queue, maxResults *int32, token string) ([]string, string, error) {
	var names []string
	for _, q := range s.queues() {
		q.mu.Lock()
		if q.set.redrive != nil && q.set.redrive.DeadLetterTargetArn == dlq.arn {
			names = append(names, q.name)
		}
		q.mu.Unlock()
	}
	sort.Strings(names)
	names, next, err := page(names, maxResults, token)
	if err != nil {
		return nil, "", err
	}
	urls := make([]string, len(names))
	for i, n := range names {
		urls[i] = s.queueURL(n)
	}
	return urls, next, nil
}

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, q *queue) error {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.mu.Lock()
	if s.byID[q.qid] != q {
		s.mu.Unlock()
		return errQueueDoesNotExist()
	}
	delete(s.byName, q.name)
	delete(s.byID, q.qid)
	s.mu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.deleted = true
	q.clear()
	close(q.notify) // ends long polls
	q.notify = make(chan struct{})
	var e enc
	e.u8(recQueueGone)
	e.uv(q.qid)
	return s.appendRecs(context.WithoutCancel(ctx), true, e)
}

// GetQueueAttributes returns the named attributes ("All" for every one).
func (s *Service) GetQueueAttributes(q *queue, names []string) (map[string]string, error) {
	all := false
	for _, n := range names {
		if n == "All" {
			all = true
			continue
		}
		if _, ok := intAttrs[n]; ok || readOnlyAttrs[n] {
			continue
		}
		switch n {
		case attrRedrivePolicy, attrRedriveAllowPolicy, attrPolicy, attrKmsMasterKeyID, attrSqsManagedSse, attrFifoQueue:
			continue
		}
		if fifoOnlyAttrs[n] && q.fifo {
			continue
		}
		return nil, errInvalidAttributeName("Unknown Attribute %s.", n)
	}
	now := s.nowMs()
	q.mu.Lock()
	q.promote(now)
	q.expire(now)
	if q.deleted {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	full := maps.Clone(q.attrs)
	full[attrApproxMessages] = strconv.Itoa(q.nReady)
	full[attrApproxNotVisible] = strconv.Itoa(q.nInflight)
	full[attrApproxDelayed] = strconv.Itoa(q.nDelayed)
	full[attrCreated] = fmtInt(q.created)
	full[attrLastModified] = fmtInt(q.modified)
	full[attrQueueArn] = q.arn
	q.mu.Unlock()
	if _, ok := full[attrKmsMasterKeyID]; !ok {
		delete(full, attrKmsReusePeriod)
	}
	if all {
		return full, nil
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := full[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

// SetQueueAttributes changes settable attributes.
func (s *Service) SetQueueAttributes(ctx context.Context, q *queue, attrs map[string]string) error {
	want, err := validateAttrs(attrs, q.fifo, false, s.dlqKind)
	if err != nil {
		return err
	}
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return errQueueDoesNotExist()
	}
	next := maps.Clone(q.attrs)
	for k, v := range want {
		if v == "" {
			delete(next, k)
		} else {
			next[k] = v
		}
	}
	if err := checkFifoCombination(next); err != nil {
		return err
	}
	q.attrs, q.set = next, parseSettings(next)
	q.modified = s.cfg.Now().Unix()
	return s.appendRecs(context.WithoutCancel(ctx), true, queueRecord(q))
}

// changeTags applies a tag change under the queue lock and logs it.
func (s *Service) changeTags(ctx context.Context, q *queue, fn func(map[string]string) error) error {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return errQueueDoesNotExist()
	}
	next := maps.Clone(q.tags)
	if err := fn(next); err != nil {
		return err
	}
	q.tags = next
	return s.appendRecs(context.WithoutCancel(ctx), true, queueRecord(q))
}

// TagQueue adds or replaces tags.
func (s *Service) TagQueue(ctx context.Context, q *queue, tags map[string]string) error {
	if len(tags) == 0 {
		return errMissingParameter("Tags")
	}
	return s.changeTags(ctx, q, func(m map[string]string) error {
		maps.Copy(m, tags)
		if len(m) > 50 {
			return errInvalidParameter("Too many tags added for queue %s.", q.name)
		}
		return nil
	})
}

// UntagQueue removes tags.
func (s *Service) UntagQueue(ctx context.Context, q *queue, keys []string) error {
	if len(keys) == 0 {
		return errMissingParameter("TagKeys")
	}
	return s.changeTags(ctx, q, func(m map[string]string) error {
		for _, k := range keys {
			delete(m, k)
		}
		return nil
	})
}

// ListQueueTags returns the queue's tags.
func (s *Service) ListQueueTags(q *queue) map[string]string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return maps.Clone(q.tags)
}

// PurgeQueue deletes every message; AWS allows one purge a minute.
func (s *Service) PurgeQueue(ctx context.Context, q *queue) error {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return errQueueDoesNotExist()
	}
	now := s.nowMs()
	if q.lastPurge != 0 && now-q.lastPurge < 60_000 {
		return errPurgeInProgress(q.name)
	}
	q.lastPurge = now
	q.purgedBelow = q.nextSeq
	q.clear()
	var e enc
	e.u8(recPurge)
	e.uv(q.qid)
	e.uv(q.purgedBelow)
	e.iv(now)
	return s.appendRecs(context.WithoutCancel(ctx), false, e)
}
