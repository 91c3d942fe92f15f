-- Kdniao track pushes (POST /v1/inbound/kdniao/{partner}) sign with a push secret of their
-- own (the AppKey of their DataSign), derived like Kuaidi100's from a nonce per partner
-- and format.
ALTER TABLE partner_push_secrets DROP CONSTRAINT partner_push_secrets_format_check;
ALTER TABLE partner_push_secrets
    ADD CONSTRAINT partner_push_secrets_format_check CHECK (format IN ('kuaidi100', 'kdniao'));
