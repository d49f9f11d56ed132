// Drives this service with the platform's own TypeScript SDK, as a fulfillmenttools client would.
// Only the base URL and the token source are redirected (FftApiClient keeps both as plain properties);
// every request is built by the SDK. Input (stdin, JSON): {baseUrl, token, lockedOrder, forceCancel:
// {orderId, version}, callbackUrl}. Output (stdout, JSON): what the client saw at each step.
"use strict";
const sdk = require("@fulfillmenttools/fulfillmenttools-sdk-typescript");

async function outcome(step) {
  try {
    return { ok: true, value: await step() };
  } catch (error) {
    return { ok: false, status: error.status ?? error.statusCode ?? error.response?.status, error: String(error) };
  }
}

async function main() {
  const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const client = new sdk.FftApiClient("local", "user", "password", "api-key", { getLogger: () => new sdk.NullLogger() });
  client.baseUrl = input.baseUrl;
  client.authService = { getToken: async () => input.token };
  const orders = new sdk.FftOrderService(client);
  const subscriptions = new sdk.FftSubscriptionService(client);

  const seen = {};
  seen.created = await outcome(() => orders.create(input.lockedOrder));
  const id = seen.created.value?.id;
  seen.found = await outcome(() => orders.findByTenantOrderId(input.lockedOrder.tenantOrderId));
  seen.unlocked = await outcome(() => orders.unlock(id, 1));
  seen.staleUnlock = await outcome(() => orders.unlock(id, 1));
  seen.cancelled = await outcome(() => orders.cancel(id, seen.unlocked.value?.version));
  seen.forceCancelled = await outcome(() => orders.cancel(input.forceCancel.orderId, input.forceCancel.version, true));
  seen.subscribed = await outcome(() =>
    subscriptions.createSubscription({
      name: "sdk e2e",
      event: "ORDER_CANCELLED",
      target: { type: "WEBHOOK", callbackUrl: input.callbackUrl },
    }),
  );
  seen.listed = await outcome(() => subscriptions.getSubscriptions(100));
  seen.deleted = await outcome(() => subscriptions.deleteSubscription(seen.subscribed.value?.id));
  seen.listedAfterDelete = await outcome(() => subscriptions.getSubscriptions(100));
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
