-- The server's store: the source of truth for the schema, embedded into the binary at build time.
-- Money is integer minor units (*_minor), time is integer microseconds of simulation time (*_us): the clock is
-- always passed in by the caller, never read here. The schema is applied at every service start, so every
-- statement must be idempotent (IF NOT EXISTS, OR IGNORE).
--
-- CHECKs on an enumerated column are written `x = 'a' OR x = 'b' OR ...`, never `x IN ('a', 'b', ...)`: SQLite
-- evaluates an IN list of more than two constants through a temporary b-tree that it opens and closes on every
-- INSERT and UPDATE of the row (measured: a few % of a whole simulated session). The two spellings accept
-- exactly the same values, NULL included.

CREATE TABLE IF NOT EXISTS users (
  id    TEXT PRIMARY KEY,
  token TEXT NOT NULL UNIQUE              -- bearer token; the lookup on every request uses this index
);

-- Ledger accounts. Every balance is the sum of the entries that touch the account, kept up to date by the
-- trigger below, so it can never drift from the entries. Accounts 1 and 2 are the world outside and the operator.
CREATE TABLE IF NOT EXISTS accounts (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,     -- external:deposits, operator:revenue, wallet:<user>, hold:<user>
  balance_minor INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO accounts (id, name) VALUES (1, 'external:deposits'), (2, 'operator:revenue');

-- A user's wallet is a pair of accounts: money they can spend, and money frozen for sessions.
CREATE TABLE IF NOT EXISTS wallets (
  user_id   TEXT PRIMARY KEY REFERENCES users (id),
  available INTEGER NOT NULL UNIQUE REFERENCES accounts (id),
  held      INTEGER NOT NULL UNIQUE REFERENCES accounts (id)
) WITHOUT ROWID;

-- Double entry: each row moves amount_minor from one account to another, so the two legs of every transfer
-- sum to zero by construction. Rows are append-only.
CREATE TABLE IF NOT EXISTS ledger_entries (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind = 'deposit' OR kind = 'hold' OR kind = 'release' OR kind = 'capture' OR kind = 'fee'),
  from_account   INTEGER NOT NULL REFERENCES accounts (id),
  to_account     INTEGER NOT NULL REFERENCES accounts (id),
  amount_minor   INTEGER NOT NULL CHECK (amount_minor > 0),
  session_id     INTEGER,                 -- what the money moved for, when it was a session
  reservation_id INTEGER,                 -- or a reservation (no-show fee)
  at_us          INTEGER NOT NULL,
  CHECK (from_account <> to_account)
);
CREATE TRIGGER IF NOT EXISTS ledger_entries_post AFTER INSERT ON ledger_entries BEGIN
  UPDATE accounts SET balance_minor = balance_minor - NEW.amount_minor WHERE id = NEW.from_account;
  UPDATE accounts SET balance_minor = balance_minor + NEW.amount_minor WHERE id = NEW.to_account;
END;
CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN
  SELECT RAISE(ABORT, 'ledger entries are append-only');
END;
CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN
  SELECT RAISE(ABORT, 'ledger entries are append-only');
END;
-- No index by session: no query reads a session's entries (the audit scans them all), and one would cost every
-- entry an index insert. Databases written by older builds drop theirs.
DROP INDEX IF EXISTS ledger_entries_by_session;

-- Piles, their MAC key and their tariff. last_counter is the last start-authorization counter issued: the pile
-- refuses any authorization whose counter is not above the last one it accepted.
CREATE TABLE IF NOT EXISTS piles (
  id                   TEXT PRIMARY KEY,
  mac_key              BLOB NOT NULL CHECK (length(mac_key) = 32),
  energy_e4            INTEGER NOT NULL CHECK (energy_e4 >= 0),
  service_e4           INTEGER NOT NULL CHECK (service_e4 >= 0),
  no_show_fee_minor    INTEGER NOT NULL CHECK (no_show_fee_minor >= 0),
  reservation_hold_us  INTEGER NOT NULL CHECK (reservation_hold_us > 0),
  authorization_ttl_us INTEGER NOT NULL CHECK (authorization_ttl_us > 0),
  last_counter         INTEGER NOT NULL DEFAULT 0
);

-- A reservation holds a pile over [start_us, end_us). Only cancelled ones free their window.
CREATE TABLE IF NOT EXISTS reservations (
  id            INTEGER PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id),
  pile_id       TEXT NOT NULL REFERENCES piles (id),
  start_us      INTEGER NOT NULL,
  end_us        INTEGER NOT NULL CHECK (end_us > start_us),
  state         TEXT NOT NULL CHECK (state = 'open' OR state = 'used' OR state = 'expired' OR state = 'cancelled'),
  created_at_us INTEGER NOT NULL,
  closed_at_us  INTEGER,                  -- when it became used, expired or cancelled
  fee_minor     INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0)  -- no-show fee actually charged
);
CREATE INDEX IF NOT EXISTS reservations_by_pile ON reservations (pile_id, end_us);
CREATE INDEX IF NOT EXISTS reservations_open_by_end ON reservations (end_us) WHERE state = 'open';
-- Who holds a pile now, on every session start: a range over the pile's open windows in start order.
CREATE INDEX IF NOT EXISTS reservations_open_by_pile ON reservations (pile_id, start_us) WHERE state = 'open';
-- A user's open reservations, counted with their no-show fees on every new reservation.
CREATE INDEX IF NOT EXISTS reservations_open_by_user ON reservations (user_id) WHERE state = 'open';

-- A session from authorization to reconciliation. held_minor is what the ledger holds for it right now;
-- settle_count can never exceed one, so no session is ever settled twice, whatever the code above does.
CREATE TABLE IF NOT EXISTS sessions (
  id                 INTEGER PRIMARY KEY,
  user_id            TEXT NOT NULL REFERENCES users (id),
  pile_id            TEXT NOT NULL REFERENCES piles (id),
  reservation_id     INTEGER REFERENCES reservations (id),
  vehicle_id         TEXT NOT NULL,
  battery_wh         INTEGER NOT NULL,
  max_ac_w           INTEGER NOT NULL,
  energy_e4          INTEGER NOT NULL,    -- the rate sealed into the authorization; repricing uses it
  service_e4         INTEGER NOT NULL,
  frozen_minor       INTEGER NOT NULL CHECK (frozen_minor > 0),
  held_minor         INTEGER NOT NULL CHECK (held_minor >= 0),
  state              TEXT NOT NULL CHECK (state = 'authorized' OR state = 'started' OR state = 'reconciled' OR state = 'expired'),
  counter            INTEGER NOT NULL,
  issued_at_us       INTEGER NOT NULL,
  expires_at_us      INTEGER NOT NULL,
  hold_release_at_us INTEGER NOT NULL,
  started_at_us      INTEGER,             -- pile clock, from the start ack
  meter_start_wh     INTEGER,
  energy_wh          INTEGER NOT NULL DEFAULT 0,
  charged_minor      INTEGER NOT NULL DEFAULT 0,
  refunded_minor     INTEGER NOT NULL DEFAULT 0,
  stop_reason        TEXT NOT NULL DEFAULT '',
  reconciled_at_us   INTEGER,
  settle_count       INTEGER NOT NULL DEFAULT 0 CHECK (settle_count BETWEEN 0 AND 1),
  UNIQUE (pile_id, counter),
  -- Money is held for a session exactly while it may still occupy its pile.
  CHECK ((held_minor > 0) = (state = 'authorized' OR state = 'started'))
);
-- The few sessions that may still occupy their pile, those that hold money: the busy check on every start reads
-- only these. Keyed on held_minor rather than on state, so that the step from 'authorized' to 'started' leaves
-- this index alone (a partial index is rewritten whenever a column of its WHERE changes). The CHECK above makes
-- the two the same rows. Databases written by older builds drop their index on state.
DROP INDEX IF EXISTS sessions_active_by_pile;
CREATE INDEX IF NOT EXISTS sessions_holding_by_pile ON sessions (pile_id) WHERE held_minor > 0;
-- The same rows by a user's vehicle, for the check that no vehicle has two sessions that may run at once.
CREATE INDEX IF NOT EXISTS sessions_holding_by_vehicle ON sessions (user_id, vehicle_id) WHERE held_minor > 0;
CREATE INDEX IF NOT EXISTS sessions_authorized_by_release ON sessions (hold_release_at_us) WHERE state = 'authorized';
-- Sessions whose hold was released with no word from the pile: the pile may have started all the same (a phone
-- can withhold the acknowledgement), so their frozen amounts still count against the user's new starts and fees
-- until a bill, an acknowledgement, or the pile's signed word that it never started ('not_started') comes in.
CREATE INDEX IF NOT EXISTS sessions_in_doubt_by_user ON sessions (user_id) WHERE state = 'expired' AND stop_reason = '';

-- The bill that settled a session, exactly as the pile sealed it, and the receipt answered for it: a second
-- upload of the same bytes is answered from here.
CREATE TABLE IF NOT EXISTS bills (
  session_id     INTEGER PRIMARY KEY REFERENCES sessions (id),
  pile_id        TEXT NOT NULL REFERENCES piles (id),
  counter        INTEGER NOT NULL,
  sealed         BLOB NOT NULL,
  meter_start_wh INTEGER NOT NULL,
  meter_stop_wh  INTEGER NOT NULL,
  started_at_us  INTEGER NOT NULL,
  stopped_at_us  INTEGER NOT NULL,
  cost_minor     INTEGER NOT NULL,
  charged_minor  INTEGER NOT NULL,
  reason         TEXT NOT NULL,
  carrier_id     TEXT NOT NULL REFERENCES users (id),
  received_at_us INTEGER NOT NULL,
  receipt        BLOB NOT NULL
);

-- The first answer to each (user, Idempotency-Key), with a fingerprint of the request it answered.
-- A rowid table: its rows carry whole answers, too big for a WITHOUT ROWID b-tree, whose pages they would fill
-- and split (measured: inserts about 25 % cheaper this way). Ids rise with time within a run, so the purge of old
-- answers reads them in id order and needs no index on age (one b-tree fewer to write on every request). A
-- database written by an older build (WITHOUT ROWID, with an age index) is converted when the service opens it.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  id          INTEGER PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id),
  idem_key    TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  status      INTEGER NOT NULL,
  body        TEXT NOT NULL,
  at_us       INTEGER NOT NULL,
  UNIQUE (user_id, idem_key)
);
DROP INDEX IF EXISTS idempotency_keys_by_age;

-- Requests refused for cause (forged, mismatched, not yours), counted by kind for the run's report.
CREATE TABLE IF NOT EXISTS refusals (
  kind  TEXT PRIMARY KEY,
  count INTEGER NOT NULL
) WITHOUT ROWID;
