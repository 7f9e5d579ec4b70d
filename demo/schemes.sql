-- Two categorization schemes, one per kind of client, set up with the SQL API.

-- Legal entities: the outlet category a field agent assesses on a visit.
SELECT segment.create_scheme('outlet_category', 'crm.companies',
                             'Outlet category assessed by field agents on each visit');
SELECT segment.add_question('outlet_category', 'floor_area', 'Sales floor area', 2);
SELECT segment.add_option('outlet_category', 'floor_area', 'under_50', 'Under 50 m²', 1);
SELECT segment.add_option('outlet_category', 'floor_area', '50_200', '50–200 m²', 3);
SELECT segment.add_option('outlet_category', 'floor_area', '200_1000', '200–1000 m²', 6);
SELECT segment.add_option('outlet_category', 'floor_area', 'over_1000', 'Over 1000 m²', 10);
SELECT segment.add_question('outlet_category', 'assortment', 'Breadth of our assortment on the shelf', 1.5);
SELECT segment.add_option('outlet_category', 'assortment', 'narrow', 'A few lines', 1);
SELECT segment.add_option('outlet_category', 'assortment', 'medium', 'Core range', 3);
SELECT segment.add_option('outlet_category', 'assortment', 'wide', 'Full range', 5);
SELECT segment.add_question('outlet_category', 'foot_traffic', 'Foot traffic at visit time');
SELECT segment.add_option('outlet_category', 'foot_traffic', 'low', 'Low', 0);
SELECT segment.add_option('outlet_category', 'foot_traffic', 'medium', 'Medium', 2);
SELECT segment.add_option('outlet_category', 'foot_traffic', 'high', 'High', 4);
SELECT segment.add_question('outlet_category', 'payments', 'Payment discipline over the last quarter', 2);
SELECT segment.add_option('outlet_category', 'payments', 'late', 'Often late', -3);
SELECT segment.add_option('outlet_category', 'payments', 'sometimes', 'Sometimes late', 0);
SELECT segment.add_option('outlet_category', 'payments', 'on_time', 'Always on time', 3);
SELECT segment.add_question('outlet_category', 'visibility', 'Visibility of our brand in the outlet');
SELECT segment.add_option('outlet_category', 'visibility', 'poor', 'Poor', 0);
SELECT segment.add_option('outlet_category', 'visibility', 'good', 'Good', 2);
SELECT segment.add_level('outlet_category', 'C', '-Infinity', 15);
SELECT segment.add_level('outlet_category', 'B', 15, 28);
SELECT segment.add_level('outlet_category', 'A', 28, 38);
SELECT segment.add_level('outlet_category', 'A+', 38, 'Infinity');

-- Individuals: customer value from a short profile questionnaire.
SELECT segment.create_scheme('customer_value', 'crm.people',
                             'Value of an individual customer from the loyalty questionnaire');
SELECT segment.add_question('customer_value', 'frequency', 'How often do you shop with us?', 2);
SELECT segment.add_option('customer_value', 'frequency', 'rarely', 'A few times a year', 0);
SELECT segment.add_option('customer_value', 'frequency', 'monthly', 'Monthly', 2);
SELECT segment.add_option('customer_value', 'frequency', 'weekly', 'Weekly', 4);
SELECT segment.add_question('customer_value', 'basket', 'Typical basket size', 1.5);
SELECT segment.add_option('customer_value', 'basket', 'small', 'Under 20 €', 1);
SELECT segment.add_option('customer_value', 'basket', 'medium', '20–80 €', 3);
SELECT segment.add_option('customer_value', 'basket', 'large', 'Over 80 €', 5);
SELECT segment.add_question('customer_value', 'loyalty_card', 'Member of the loyalty programme?');
SELECT segment.add_option('customer_value', 'loyalty_card', 'no', 'No', 0);
SELECT segment.add_option('customer_value', 'loyalty_card', 'yes', 'Yes', 3);
SELECT segment.add_question('customer_value', 'complaints', 'Complaints in the last year');
SELECT segment.add_option('customer_value', 'complaints', 'several', 'Several', -4);
SELECT segment.add_option('customer_value', 'complaints', 'one', 'One', -1);
SELECT segment.add_option('customer_value', 'complaints', 'none', 'None', 1);
SELECT segment.add_level('customer_value', 'bronze', '-Infinity', 8);
SELECT segment.add_level('customer_value', 'silver', 8, 15);
SELECT segment.add_level('customer_value', 'gold', 15, 'Infinity');
