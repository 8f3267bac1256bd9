package sqs

import (
	"context"
	"encoding/base64"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
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
	return len(name) <= 80 && validName(base)
}

// dlqKind answers for the dead-letter queues a RedrivePolicy of the queue
// srcARN names: whether they exist, are FIFO and admit srcARN as a source.
func (s *Service) dlqKind(srcARN string) deadLetterTarget {
	return func(arn string) (bool, bool, bool) {
		q := s.lookupARN(arn)
		if q == nil {
			return false, false, false
		}
		q.mu.Lock()
		policy := q.attrs[attrRedriveAllowPolicy]
		q.mu.Unlock()
		return true, q.fifo, allowsSource(policy, srcARN)
	}
}

// createQueue is the CreateQueue operation: it creates a queue, or returns
// the URL of an existing queue whose attributes equal the requested ones.
func (s *Service) createQueue(ctx context.Context, in *createQueueInput) (*queueURLOutput, error) {
	name, attrs, tags := in.QueueName, in.Attributes, in.Tags
	if name == "" {
		return nil, errMissingParameter("QueueName")
	}
	fifo := attrs[attrFifoQueue] == "true"
	if !validQueueName(name, fifo) {
		if !fifo && strings.HasSuffix(name, ".fifo") && validQueueName(name, true) {
			return nil, errInvalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return nil, errInvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	want, err := validateAttrs(attrs, fifo, true, s.dlqKind(s.queueARN(name)))
	if err != nil {
		return nil, err
	}
	full := defaultAttrs(fifo)
	maps.Copy(full, want)
	if err := checkFifoCombination(full); err != nil {
		return nil, err
	}
	for k, v := range full {
		if v == "" {
			delete(full, k)
		}
	}
	if len(tags) > 50 {
		return nil, errInvalidParameter("Too many tags added for queue %s.", name)
	}
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.mu.Lock()
	if at, ok := s.deleted[name]; ok && s.nowMs()-at < queueNameHold && s.byName[name] == nil {
		s.mu.Unlock()
		return nil, errQueueDeletedRecently()
	}
	if q := s.byName[name]; q != nil {
		s.mu.Unlock()
		q.mu.Lock()
		same := q.fifo == fifo && sameAttrs(q.attrs, want)
		q.mu.Unlock()
		if !same {
			return nil, errQueueNameExists(name)
		}
		return &queueURLOutput{q.url}, nil
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
		return nil, err
	}
	return &queueURLOutput{q.url}, nil
}

// getQueueURL is the GetQueueUrl operation.
func (s *Service) getQueueURL(ctx context.Context, in *getQueueURLInput) (*queueURLOutput, error) {
	if in.QueueName == "" {
		return nil, errMissingParameter("QueueName")
	}
	if in.Owner != "" && in.Owner != s.cfg.AccountID {
		return nil, errQueueDoesNotExist()
	}
	q := s.lookupName(in.QueueName)
	if q == nil {
		return nil, errQueueDoesNotExist()
	}
	return &queueURLOutput{q.url}, nil
}

// urlPage sorts names, cuts the list by token and max results and returns
// the page's queue URLs (never nil) and the next token.
func (s *Service) urlPage(names []string, maxResults *int32, token string) ([]string, string, error) {
	sort.Strings(names)
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
	urls := make([]string, len(names))
	for i, n := range names {
		urls[i] = s.queueURL(n)
	}
	return urls, next, nil
}

// listQueues is the ListQueues operation: the queues whose names start
// with the prefix.
func (s *Service) listQueues(ctx context.Context, in *listQueuesInput) (*listQueuesOutput, error) {
	s.mu.RLock()
	var names []string
	for n := range s.byName {
		if strings.HasPrefix(n, in.Prefix) {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	urls, next, err := s.urlPage(names, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listQueuesOutput{urls, next}, nil
}

// listDeadLetterSourceQueues is the ListDeadLetterSourceQueues operation:
// the queues whose RedrivePolicy targets dlq.
func (s *Service) listDeadLetterSourceQueues(ctx context.Context, dlq *queue, in *listDeadLetterSourceQueuesInput) (*listDeadLetterSourceQueuesOutput, error) {
	var names []string
	for _, q := range s.queues() {
		q.mu.Lock()
		if q.set.redrive != nil && q.set.redrive.DeadLetterTargetArn == dlq.arn {
			names = append(names, q.name)
		}
		q.mu.Unlock()
	}
	urls, next, err := s.urlPage(names, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listDeadLetterSourceQueuesOutput{urls, next}, nil
}

// queueNameHold is how long a deleted queue's name cannot be used again
// (ms): AWS asks 60 seconds.
const queueNameHold = 60_000

// deleteQueue is the DeleteQueue operation: it deletes the queue and its
// messages, and holds its name for queueNameHold.
func (s *Service) deleteQueue(ctx context.Context, q *queue, _ *queueRef) (*awsapi.Empty, error) {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	s.mu.Lock()
	if s.byID[q.qid] != q {
		s.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	now := s.nowMs()
	delete(s.byName, q.name)
	delete(s.byID, q.qid)
	s.deleted[q.name] = now
	s.mu.Unlock()
	s.tasks.mu.Lock()
	s.tasks.dropSource(q.arn)
	s.tasks.mu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.deleted = true
	q.clear()
	close(q.notify) // ends long polls
	q.notify = make(chan struct{})
	return nil, s.appendRecs(context.WithoutCancel(ctx), true, queueGoneRecord(q.qid, now))
}

// getQueueAttributes is the GetQueueAttributes operation: the named
// attributes ("All" for every one).
func (s *Service) getQueueAttributes(ctx context.Context, q *queue, in *getQueueAttributesInput) (*getQueueAttributesOutput, error) {
	names := in.AttributeNames
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
		return &getQueueAttributesOutput{full}, nil
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		if v, ok := full[n]; ok {
			out[n] = v
		}
	}
	return &getQueueAttributesOutput{out}, nil
}

// setQueueAttributes is the SetQueueAttributes operation: it changes
// settable attributes.
func (s *Service) setQueueAttributes(ctx context.Context, q *queue, in *setQueueAttributesInput) (*awsapi.Empty, error) {
	want, err := validateAttrs(in.Attributes, q.fifo, false, s.dlqKind(q.arn))
	if err != nil {
		return nil, err
	}
	return nil, s.changeAttrs(ctx, q, func(next map[string]string) error {
		for k, v := range want {
			if v == "" {
				delete(next, k)
			} else {
				next[k] = v
			}
		}
		return checkFifoCombination(next)
	})
}

// changeMeta runs fn, a change of q's attributes or tags, under q's lock
// and logs q's metadata durably once fn succeeded.
func (s *Service) changeMeta(ctx context.Context, q *queue, fn func() error) error {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if err := q.lockLive(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	if err := fn(); err != nil {
		return err
	}
	return s.appendRecs(context.WithoutCancel(ctx), true, queueRecord(q))
}

// changeAttrs applies fn, a change of a copy of q's settable attributes,
// and logs it.
func (s *Service) changeAttrs(ctx context.Context, q *queue, fn func(map[string]string) error) error {
	return s.changeMeta(ctx, q, func() error {
		next := maps.Clone(q.attrs)
		if err := fn(next); err != nil {
			return err
		}
		q.attrs, q.set = next, parseSettings(next)
		q.modified = s.cfg.Now().Unix()
		return nil
	})
}

// changeTags applies fn, a change of a copy of q's tags, and logs it.
func (s *Service) changeTags(ctx context.Context, q *queue, fn func(map[string]string) error) error {
	return s.changeMeta(ctx, q, func() error {
		next := maps.Clone(q.tags)
		if err := fn(next); err != nil {
			return err
		}
		q.tags = next
		return nil
	})
}

// tagQueue is the TagQueue operation: it adds or replaces tags.
func (s *Service) tagQueue(ctx context.Context, q *queue, in *tagQueueInput) (*awsapi.Empty, error) {
	if len(in.Tags) == 0 {
		return nil, errMissingParameter("Tags")
	}
	return nil, s.changeTags(ctx, q, func(m map[string]string) error {
		maps.Copy(m, in.Tags)
		if len(m) > 50 {
			return errInvalidParameter("Too many tags added for queue %s.", q.name)
		}
		return nil
	})
}

// untagQueue is the UntagQueue operation: it removes tags.
func (s *Service) untagQueue(ctx context.Context, q *queue, in *untagQueueInput) (*awsapi.Empty, error) {
	if len(in.TagKeys) == 0 {
		return nil, errMissingParameter("TagKeys")
	}
	return nil, s.changeTags(ctx, q, func(m map[string]string) error {
		for _, k := range in.TagKeys {
			delete(m, k)
		}
		return nil
	})
}

// listQueueTags is the ListQueueTags operation.
func (s *Service) listQueueTags(ctx context.Context, q *queue, _ *queueRef) (*listQueueTagsOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := &listQueueTagsOutput{Tags: maps.Clone(q.tags)}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	return out, nil
}

// purgeQueue is the PurgeQueue operation: it deletes every message; AWS
// allows one purge a minute.
func (s *Service) purgeQueue(ctx context.Context, q *queue, _ *queueRef) (*awsapi.Empty, error) {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if err := q.lockLive(); err != nil {
		return nil, err
	}
	defer q.mu.Unlock()
	now := s.nowMs()
	if q.lastPurge != 0 && now-q.lastPurge < 60_000 {
		return nil, errPurgeInProgress(q.name)
	}
	q.lastPurge = now
	q.purgedBelow = q.nextSeq
	q.clear()
	var e enc
	e.u8(recPurge)
	e.uv(q.qid)
	e.uv(q.purgedBelow)
	e.iv(now)
	return nil, s.appendRecs(context.WithoutCancel(ctx), false, e)
}
