import { barGaugePanel, statPanel, streamtallyDashboard, timeseriesPanel } from './panels';

const GENDER_NAMES = { '0': 'female', '1': 'male', '2': 'unknown' };
const ACTION_NAMES = { '0': 'click', '1': 'add to cart', '2': 'purchase', '3': 'favourite' };

/** The tutorial's own questions, from the shipped jobs' metrics. */
export function businessDashboard() {
  return streamtallyDashboard('streamtally-business', 'streamtally — shoppers')
    .withPanel(
      timeseriesPanel(
        'Shoppers per gender per second',
        [['sum by (key) (rate(streamtally_aggregator_window_counts_total{aggregation="gender-per-second"}[1m]))', '{{key}}']],
        {
          w: 24,
          h: 10,
          names: GENDER_NAMES,
          description: 'The original chart: clicks, carts, purchases and favourites per second, by gender (averaged over a minute).',
        },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Actions per second',
        [['sum by (key) (rate(streamtally_aggregator_window_counts_total{aggregation="actions-per-second"}[1m]))', '{{key}}']],
        {
          names: ACTION_NAMES,
        },
      ),
    )
    .withPanel(
      barGaugePanel('Top provinces, last 60 s', [
        ['topk(10, max by (key) (streamtally_aggregator_latest_final_count{aggregation="provinces-60s"}))', '{{key}}'],
      ]),
    )
    .withPanel(
      statPanel(
        'Shoppers since start, by gender',
        [['sum by (key) (increase(streamtally_aggregator_window_counts_total{aggregation="gender-per-second"}[24h]))', '{{key}}']],
        {
          w: 24,
          h: 5,
          names: GENDER_NAMES,
        },
      ),
    );
}
