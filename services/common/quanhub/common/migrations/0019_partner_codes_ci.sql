-- One partner per customs registration code, whatever its case: `3701lg0001` beside
-- `3701LG0001` would be a second identity for one registration (customs codes allow both
-- cases; partner codes are upper-case by their CHECK, so their primary key already is
-- case-insensitive). The registry refuses a carrier partner whose code is not a hub
-- carrier id (quanhub.common.access.registry), so with the primary key each carrier has at
-- most one partner identity.
CREATE UNIQUE INDEX partners_customs_code_ci ON partners (upper(customs_code));
