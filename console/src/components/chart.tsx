/**
 * A chart drawn by Chart.js (numbers on hover), with the same figures in a table beside it,
 * so they can be read, copied and checked without a mouse.
 */
import { useEffect, useRef } from 'preact/hooks';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const COLORS = ['#3b6fd8', '#e0823d', '#3a9e6e', '#b04ec2', '#c94a4a', '#7d8a99', '#d1b13b', '#2aa3b8'];

export interface Series {
  label: string;
  data: number[];
  /** How a figure reads (USD, a count); the table and the tooltip use it. */
  format(value: number): string;
  /** The scale it is drawn on: 'y' (left) or 'y1' (right) for a second unit. */
  axis?: 'y' | 'y1';
  /** false: in the table only (a figure of another unit the chart has no axis for). */
  drawn?: boolean;
}

export interface ChartProps {
  /** Names the figure, its canvas and its table (data-chart). */
  id: string;
  title: string;
  labels: string[];
  series: Series[];
  kind?: 'bar' | 'line';
  /** Horizontal bars for long labels (plugins, models, users). */
  horizontal?: boolean;
  empty?: string;
}

export function ChartFigure({ id, title, labels, series, kind = 'bar', horizontal = false, empty = 'nothing in this period' }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const drawn = series.filter((s) => s.drawn !== false);
  const twoAxes = drawn.some((s) => s.axis === 'y1');

  useEffect(() => {
    if (!canvas.current || labels.length === 0) return;
    const valueAxis = horizontal ? 'x' : 'y';
    chart.current = new Chart(canvas.current, {
      type: kind,
      data: {
        labels,
        datasets: drawn.map((s, i) => ({
          label: s.label,
          data: s.data,
          backgroundColor: COLORS[i % COLORS.length],
          borderColor: COLORS[i % COLORS.length],
          ...(twoAxes && !horizontal ? { yAxisID: s.axis ?? 'y' } : {}),
        })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { display: drawn.length > 1 },
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}: ${drawn[item.datasetIndex]!.format(Number(item.raw))}`,
              // The figures the chart has no axis for are on hover too.
              afterBody: (items) => {
                const index = items[0]?.dataIndex;
                return index === undefined ? [] : series.filter((s) => s.drawn === false).map((s) => `${s.label}: ${s.format(s.data[index] ?? 0)}`);
              },
            },
          },
        },
        scales: {
          [valueAxis]: { beginAtZero: true, ticks: { callback: (v) => drawn[0]!.format(Number(v)) } },
          ...(twoAxes && !horizontal ? { y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { callback: (v: string | number) => drawn.find((s) => s.axis === 'y1')!.format(Number(v)) } } } : {}),
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [JSON.stringify(labels), JSON.stringify(drawn.map((s) => [s.label, s.data, s.axis]))]);

  return (
    <figure class="chart" data-chart={id}>
      <figcaption>{title}</figcaption>
      {labels.length === 0 ? (
        <p class="empty">{empty}</p>
      ) : (
        <div class="chart-body">
          <div class="chart-canvas" style={{ height: `${horizontal ? Math.max(160, labels.length * 28 + 60) : 240}px` }}>
            <canvas ref={canvas} role="img" aria-label={title} />
          </div>
          <table class="chart-data compact" data-chart-table={id}>
            <thead>
              <tr>
                <th />
                {series.map((s) => (
                  <th>{s.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, row) => (
                <tr data-label={label}>
                  <th>{label}</th>
                  {series.map((s) => (
                    <td data-series={s.label} data-value={String(s.data[row] ?? 0)}>
                      {s.format(s.data[row] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </figure>
  );
}
