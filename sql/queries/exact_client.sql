-- A client argument $1 converted to the key's base type, then to the key type: (the key's
-- text form, whether both steps kept the value, the argument's text form). Unless $2 says the
-- argument is a string, the base value must also convert back to the argument unchanged.
SELECT CAST(v AS text),
       v = b AND ($2 OR CAST(b AS {{argument_type}}) = $1),
       CAST($1 AS text)
FROM (SELECT CAST($1 AS {{base_type}}) AS b) s,
     LATERAL (SELECT CAST(b AS {{key_type}}) AS v) t
