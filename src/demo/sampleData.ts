/**
 * The demo's sample data, as SQL run inside the embedded databases: ops-db holds today's
 * customers and orders, reporting-db holds last night's copy of them. Every value is a function
 * of the row number (generate_series), so two seedings of the same size hold the same rows.
 */

export interface DemoSizes {
  /** Rows of public.customers in ops-db. */
  customers: number;
  /** Rows of public.orders in ops-db. */
  orders: number;
}

/** What `nomaflow demo` seeds unless told otherwise. */
export const DEMO_SIZES: Readonly<DemoSizes> = { customers: 20_000, orders: 100_000 };

/** Orders per customer, when only the number of customers is given. */
export const ORDERS_PER_CUSTOMER = 5;

/**
 * The sizes of last night's copy in reporting-db: the rows made before the last sync, a little
 * fewer than today's, so the recipe's row-count guard (plugins/reporting/sanity.py) passes.
 */
export function lastNightSizes(sizes: DemoSizes): DemoSizes {
  return { customers: Math.max(1, Math.floor(sizes.customers * 0.994)), orders: Math.floor(sizes.orders * 0.99) };
}

// The rows span the 730 days from 2024-01-01; a row's time grows with its id.
const START = "timestamptz '2024-01-01 00:00:00+00'";
const SPAN = "interval '730 days'";

const FIRST_NAMES = ["Ada", "Bruno", "Chloé", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Inès", "Jonas", "Kofi", "Lucía", "Mei", "Nils", "Olga", "Priya"];
const LAST_NAMES = [
  "Martin",
  "Schmidt",
  "Rossi",
  "García",
  "Nowak",
  "Jensen",
  "Dubois",
  "Silva",
  "Novak",
  "Smith",
  "Müller",
  "Bianchi",
  "Kowalski",
  "Larsen",
  "Moreau",
  "Costa",
  "Yilmaz",
  "Tanaka",
  "Okafor",
  "Berg",
];
const COUNTRIES = ["FR", "DE", "GB", "US", "ES", "IT", "NL", "BE", "SE", "PL"];
// Weighted by repetition: most orders are paid or shipped.
const STATUSES = ["paid", "paid", "paid", "shipped", "shipped", "shipped", "refunded", "cancelled"];

const sqlArray = (values: readonly string[]) => `array[${values.map((value) => `'${value.replace(/'/g, "''")}'`).join(", ")}]`;

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number of at least 1, not ${value}`);
}

const CUSTOMER_COLUMNS = `id bigint PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  country char(2) NOT NULL,
  created_at timestamptz NOT NULL`;

const ORDER_COLUMNS = `id bigint PRIMARY KEY,
  customer_id bigint NOT NULL,
  amount numeric(12,2) NOT NULL,
  status text NOT NULL,
  ordered_at timestamptz NOT NULL`;

/** Customers 1..`upTo` of a table of `total`; the first rows of a bigger table are the same rows. */
function customersSelect(total: number, upTo: number): string {
  return `SELECT g,
    first_name || ' ' || last_name,
    lower(first_name) || '.' || lower(last_name) || '.' || g || '@example.com',
    (${sqlArray(COUNTRIES)})[1 + g * 7 % ${COUNTRIES.length}],
    ${START} + (g - 1) * (${SPAN} / ${total})
  FROM generate_series(1, ${upTo}) AS g,
    LATERAL (SELECT (${sqlArray(FIRST_NAMES)})[1 + g % ${FIRST_NAMES.length}] AS first_name,
                    (${sqlArray(LAST_NAMES)})[1 + (g / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}] AS last_name) AS names`;
}

/**
 * Orders 1..`upTo` of a table of `orders`, each by a customer who already existed when it was
 * placed (an order's share of the time span bounds its customer's id).
 */
function ordersSelect(customers: number, orders: number, upTo: number): string {
  return `SELECT g,
    1 + g::bigint * 7919 % greatest(1, ${customers}::bigint * g / ${orders}),
    round(5 + (g::bigint * 104729 % 49500) / 100.0, 2),
    (${sqlArray(STATUSES)})[1 + g * 31 % ${STATUSES.length}],
    ${START} + (g - 1) * (${SPAN} / ${orders})
  FROM generate_series(1, ${upTo}) AS g`;
}

/** ops-db: the operational database the recipe copies from. Statements, in order, in one transaction. */
export function opsDbStatements(sizes: DemoSizes): string[] {
  assertCount("customers", sizes.customers);
  assertCount("orders", sizes.orders);
  return [
    `CREATE TABLE public.customers (${CUSTOMER_COLUMNS}, UNIQUE (email))`,
    `INSERT INTO public.customers (id, name, email, country, created_at) ${customersSelect(sizes.customers, sizes.customers)}`,
    `CREATE TABLE public.orders (${ORDER_COLUMNS}, FOREIGN KEY (customer_id) REFERENCES public.customers (id))`,
    `INSERT INTO public.orders (id, customer_id, amount, status, ordered_at) ${ordersSelect(sizes.customers, sizes.orders, sizes.orders)}`,
    "CREATE INDEX orders_customer_id ON public.orders (customer_id)",
    "ANALYZE public.customers, public.orders",
  ];
}

/**
 * reporting-db: last night's copy of both tables in schema `reporting`, with an index and a view
 * that the recipe's overwrite copies must keep working.
 */
export function reportingDbStatements(sizes: DemoSizes): string[] {
  assertCount("customers", sizes.customers);
  assertCount("orders", sizes.orders);
  const copy = lastNightSizes(sizes);
  return [
    "CREATE SCHEMA reporting",
    `CREATE TABLE reporting.customers (${CUSTOMER_COLUMNS})`,
    `INSERT INTO reporting.customers (id, name, email, country, created_at) ${customersSelect(sizes.customers, copy.customers)}`,
    `CREATE TABLE reporting.orders (${ORDER_COLUMNS})`,
    `INSERT INTO reporting.orders (id, customer_id, amount, status, ordered_at) ${ordersSelect(sizes.customers, sizes.orders, copy.orders)}`,
    "CREATE INDEX orders_customer_id ON reporting.orders (customer_id)",
    `CREATE VIEW reporting.revenue_by_country AS
      SELECT c.country, count(*) AS orders, sum(o.amount) AS revenue
      FROM reporting.orders o JOIN reporting.customers c ON c.id = o.customer_id
      WHERE o.status IN ('paid', 'shipped')
      GROUP BY c.country`,
    "ANALYZE reporting.customers, reporting.orders",
  ];
}
