-- Verify calls and NON_EXISTENT answers of one caller and one IP address in the last minute
-- and hour, and when the oldest of each leaves its window (seconds from now).
WITH recent AS (
    SELECT caller = :caller AS mine, ip = :ip AS here, at, misses
    FROM verify_requests
    WHERE (caller = :caller OR ip = :ip) AND at > now() - interval '1 hour'
)
SELECT
    count(*) FILTER (WHERE mine AND at > now() - interval '1 minute'),
    count(*) FILTER (WHERE here AND at > now() - interval '1 minute'),
    coalesce(sum(misses) FILTER (WHERE mine), 0),
    coalesce(sum(misses) FILTER (WHERE here), 0),
    extract(epoch FROM min(at) FILTER (WHERE at > now() - interval '1 minute')
                       + interval '1 minute' - now()),
    extract(epoch FROM min(at) FILTER (WHERE misses > 0) + interval '1 hour' - now())
FROM recent
