-- FirstTime marks: one row per (consumer, key) a consumer has processed.
CREATE TABLE sqlstore_processed (
    consumer     TEXT   NOT NULL,
    idem_key     TEXT   NOT NULL,
    processed_at BIGINT NOT NULL, -- Unix milliseconds
    PRIMARY KEY (consumer, idem_key)
);

CREATE INDEX sqlstore_processed_at ON sqlstore_processed (consumer, processed_at);
