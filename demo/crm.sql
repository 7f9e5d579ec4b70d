-- A small CRM database as a DBA would already have it: legal entities (bigint keys) and
-- individuals (uuid keys). pg_segment binds to these tables without changing them.
CREATE SCHEMA crm;

CREATE TABLE crm.companies (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    outlet_type text NOT NULL,
    city       text NOT NULL
);

CREATE TABLE crm.people (
    id        uuid PRIMARY KEY,
    full_name text NOT NULL,
    city      text NOT NULL
);

-- Deterministic data: the same run gives the same clients, answers and segments.
INSERT INTO crm.companies (id, name, outlet_type, city)
SELECT g,
       (ARRAY['Corner', 'Fresh', 'Metro', 'Daily', 'Green', 'Family', 'Star', 'Quick'])[1 + g % 8]
           || ' ' || (ARRAY['Market', 'Shop', 'Store', 'Kiosk', 'Mart'])[1 + (g / 8) % 5] || ' #' || g,
       (ARRAY['supermarket', 'minimarket', 'kiosk', 'pharmacy'])[1 + (g * 7) % 4],
       (ARRAY['Lisbon', 'Porto', 'Braga', 'Coimbra', 'Faro'])[1 + (g * 3) % 5]
FROM generate_series(1, 1200) AS g;

INSERT INTO crm.people (id, full_name, city)
SELECT md5('person-' || g)::uuid,
       (ARRAY['Ana', 'Bruno', 'Carla', 'Diogo', 'Eva', 'Filipe', 'Gloria', 'Hugo', 'Ines', 'Joao'])[1 + g % 10]
           || ' ' || (ARRAY['Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues'])[1 + (g / 10) % 7],
       (ARRAY['Lisbon', 'Porto', 'Braga', 'Coimbra', 'Faro'])[1 + (g * 11) % 5]
FROM generate_series(1, 800) AS g;
