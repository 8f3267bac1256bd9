package dlq

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// maxMoveTaskRate is SQS's limit on MaxNumberOfMessagesPerSecond.
const maxMoveTaskRate = 500

// moveTask lets SQS move every message of dlq with StartMessageMoveTask
// and follows it until it ends. If ctx ends first the task is cancelled
// (what it moved stays moved).
func (t *Tool) moveTask(ctx context.Context, dlq queueRef, dest *destinations, opts ReplayOptions, obs Observer, sum Summary) (Summary, error) {
	in := &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlq.ARN)}
	if opts.To != "" && dest.fixed != nil {
		in.DestinationArn = aws.String(dest.fixed.ARN)
	}
	if opts.Rate > 0 {
		in.MaxNumberOfMessagesPerSecond = aws.Int32(int32(max(1, opts.Rate)))
	}
	out, err := t.cfg.Client.StartMessageMoveTask(ctx, in)
	if err != nil {
		return sum, beforeStart(fmt.Errorf("starting message move task: %w", err))
	}
	sum.MoveTask = aws.ToString(out.TaskHandle)
	sum.Notes = append(sum.Notes, "moved by SQS with StartMessageMoveTask (task "+sum.MoveTask+")")
	var reported int64
	tick := time.NewTicker(t.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.cfg.CallTimeout)
			_, cerr := t.cfg.Client.CancelMessageMoveTask(cctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: out.TaskHandle})
			cancel()
			if cerr != nil {
				sum.Notes = append(sum.Notes, "cancelling the move task failed; it may still be running: "+cerr.Error())
			}
			return sum, ctx.Err()
		case <-tick.C:
		}
		tasks, err := t.cfg.Client.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlq.ARN), MaxResults: aws.Int32(10)})
		if err != nil {
			return sum, fmt.Errorf("following message move task: %w", err)
		}
		// Most recent first; SQS names the handle only while the task
		// runs, and allows one running task per source.
		for _, task := range tasks.Results[:min(1, len(tasks.Results))] {
			if h := aws.ToString(task.TaskHandle); h != "" && h != sum.MoveTask {
				continue
			}
			if task.ApproximateNumberOfMessagesToMove != nil {
				obs.Planned(aws.ToInt64(task.ApproximateNumberOfMessagesToMove))
			}
			if moved := task.ApproximateNumberOfMessagesMoved; moved > reported {
				obs.Done(Outcome{Action: ActionMoved, Count: moved - reported, Destination: sum.Destination})
				reported = moved
			}
			sum.Moved = reported
			switch aws.ToString(task.Status) {
			case "COMPLETED":
				return sum, nil
			case "CANCELLED", "FAILED":
				sum.Failed = 1
				reason := aws.ToString(task.FailureReason)
				sum.Errors = append(sum.Errors, "move task "+aws.ToString(task.Status)+": "+reason)
				return sum, fmt.Errorf("message move task %s: %s", aws.ToString(task.Status), reason)
			}
		}
	}
}
