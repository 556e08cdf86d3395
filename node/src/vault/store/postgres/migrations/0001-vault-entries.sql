-- The RecordStore's ordered key-value table.
-- key: COLLATE "C" compares the bytes of the key, which are UTF-8 (checked below): the order the port
-- promises, whatever the database's default collation.
-- value: json, not jsonb: json keeps the exact text (object key order, "\u0000" in strings) that the
-- adapter wrote, so a value reads back as JSON.parse of what was stored, as with LevelDB.
DO $$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION 'the kycnet vault needs a UTF8 database, this one is %', current_setting('server_encoding');
  END IF;
END
$$;

CREATE TABLE vault_entries (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL
);
