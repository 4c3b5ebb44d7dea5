-- load_files.status gains 'abandoned': an attempt left 'loading' by a
-- process that died, marked by the next load or memberlytics clean once
-- its lease (load_leases) has expired.
ALTER TABLE load_files COMMENT COLUMN status 'loading, loaded, failed, or abandoned (the attempt stopped without finishing and its lease expired)';
