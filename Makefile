# licenseflow — see README.md. `make help` lists the targets.
GO        ?= go
BIN       := bin/licenseflow
PKGS      := ./...
TESTFLAGS ?= -race -shuffle=on -timeout 12m

.PHONY: help run build test bench crash stress fuzz lint fmt

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build the CLI into bin/
	$(GO) build -o $(BIN) ./cmd/licenseflow

run: build ## run the whole pipeline on the embedded default and drive the demo flow
	./$(BIN) run --demo

test: ## the whole test suite (installs what it drives, starts a throwaway PostgreSQL), then a short fuzz pass
	$(GO) vet $(PKGS)
	bash .ci/deps.sh
	AWS_EC2_METADATA_DISABLED=true bash .ci/with-postgres.sh $(GO) test $(TESTFLAGS) $(PKGS)
	bash .ci/fuzz.sh 3s

bench: ## every benchmark, one table with baselines and ratios (raw output in proof/benchtable/last-run.txt)
	bash .ci/with-postgres.sh $(GO) run ./proof/benchtable -raw proof/benchtable/last-run.txt $(PKGS)

crash: ## the kill -9 proof with 10 seeded rounds (make test runs 3)
	LICENSEFLOW_CRASH_ROUNDS=10 $(GO) test -count=1 -timeout 20m -v ./proof/crash

stress: ## watermill's Pub/Sub suite at full size with localaws restarts, then ten concurrent rounds (make test runs it short)
	LICENSEFLOW_PUBSUB_STRESS=1 $(GO) test -race -count=1 -parallel 16 -timeout 30m -run 'TestPubSub(Full|Stress)$$' ./events

fuzz: ## longer fuzzing of every fuzz target
	bash .ci/fuzz.sh 60s

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

# sam build calls build-<LogicalId> for every function (BuildMethod: makefile):
# one static linux/arm64 binary; _HANDLER picks the entry point.
LAMBDAS := WebhookFunction SignupFunction PaymentFunction AccountsFunction
.PHONY: $(addprefix build-,$(LAMBDAS))
$(addprefix build-,$(LAMBDAS)):
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags='-s -w' -o $(ARTIFACTS_DIR)/bootstrap ./cmd/licenseflow
