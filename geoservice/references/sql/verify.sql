-- The statement of every reference/verification pair asked for, whoever holds it: the pair is
-- the proof (issue 14). A pair with a wrong verification number matches nothing, exactly like
-- a pair that does not exist. Available statements win, then the most recently updated.
SELECT DISTINCT ON (i.ref, i.ver)
       i.ref, i.ver, s.status, coalesce(s.available_at, s.updated_at) AS at, s.id::text
FROM unnest(CAST(:refs AS text[]), CAST(:vers AS text[])) AS i(ref, ver)
JOIN statements s ON s.reference_number = i.ref AND s.verification_number = i.ver
ORDER BY i.ref, i.ver, (s.status = 'available') DESC, s.updated_at DESC
