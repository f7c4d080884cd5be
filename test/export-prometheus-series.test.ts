import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resetDiagnostics, takeDiagnostics } from '../src/core/diagnostics.js';
import { PrometheusMetrics } from '../src/export/index.js';
import { methodLabel } from '../src/export/prometheus/combination-limiter.js';
import { fakeRequest } from './export-fake-request.js';

/** Series lines of one metric family in the text format (each line is one series). */
function seriesCount(text: string, name: string): number {
  return (text.match(new RegExp(`^${name}\\{`, 'gm')) ?? []).length;
}

describe('Prometheus HTTP series are bounded in combination', () => {
  it('route × method × status stays within maxRouteSeries; the rest is counted under other/other/other', async () => {
    resetDiagnostics();
    const metrics = new PrometheusMetrics({ maxLabelValues: 50, maxRouteSeries: 20, saturation: false });
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'MKCOL', 'PURGE'];
    let requests = 0;
    for (let route = 0; route < 30; route++) {
      for (const method of methods) {
        for (const status of [200, 404, 500]) {
          metrics.observeRequest({ ...fakeRequest(`/r${route}`, status, []), method });
          requests++;
        }
      }
    }
    const text = await metrics.registry.metrics();
    // 20 kept triples + the one folded series.
    assert.equal(seriesCount(text, 'stagescope_http_requests_total'), 21);
    const values = [...text.matchAll(/^stagescope_http_requests_total\{([^}]*)\} (\d+)/gm)].map((m) => ({ labels: m[1]!, count: Number(m[2]) }));
    assert.equal(
      values.reduce((sum, v) => sum + v.count, 0),
      requests,
      'every request is still counted',
    );
    const folded = values.find((v) => v.labels === 'route="other",method="other",status="other"');
    assert.ok(folded !== undefined && folded.count > 0);
    // The histogram follows the same bound: at most 21 (route, method) pairs × (buckets + sum + count).
    assert.ok(seriesCount(text, 'stagescope_http_request_duration_seconds_count') <= 21);
    assert.equal(metrics.routeSeries.folded, folded.count);
    assert.equal(takeDiagnostics().filter((d) => d.code === 'SS_ROUTE_SERIES_FOLDED').length, 1, 'reported once');
    assert.throws(() => new PrometheusMetrics({ maxRouteSeries: 0, saturation: false }), /option maxRouteSeries must be a positive integer/);
  });

  it('unknown methods fold into "other"; the standard ones are kept, upper-cased', async () => {
    assert.equal(methodLabel('get'), 'GET');
    assert.equal(methodLabel('PATCH'), 'PATCH');
    assert.equal(methodLabel('PROPFIND'), 'other');
    assert.equal(methodLabel('X-ANYTHING'), 'other');
    const metrics = new PrometheusMetrics({ saturation: false });
    for (const method of ['PROPFIND', 'MKCOL', 'SEARCH', 'GET']) metrics.observeRequest({ ...fakeRequest('/dav', 207, []), method });
    const text = await metrics.registry.metrics();
    assert.match(text, /stagescope_http_requests_total\{route="\/dav",method="other",status="207"\} 3/);
    assert.match(text, /stagescope_http_requests_total\{route="\/dav",method="GET",status="207"\} 1/);
    assert.equal(seriesCount(text, 'stagescope_http_requests_total'), 2);
  });
});
