-- The audit checklist: the requirements an audit marked as examined, so the programme can show
-- its coverage of each standard over the certification cycle (clause 9.2.2).

-- +goose Up
ALTER TABLE audits ADD COLUMN examined TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE audits DROP COLUMN examined;
