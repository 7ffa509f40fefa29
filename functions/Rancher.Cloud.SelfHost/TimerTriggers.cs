using Rancher.Cloud.Functions;
using Cronos;
using Microsoft.Azure.Functions.Worker;

namespace Rancher.Cloud.SelfHost;

/// <summary>Runs a timer-triggered function on its NCRONTAB schedule (six fields, with seconds).</summary>
public sealed class TimerTriggers(IServiceProvider services, FunctionEntry function, ILogger<TimerTriggers> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cron = ((Schedule)function.Trigger).Cron;
        var expression = CronExpression.Parse(cron, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        DateTime? last = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = expression.GetNextOccurrence(DateTime.UtcNow);
            if (next is null)
            {
                return;
            }
            if (!await Pause.ForAsync(next.Value - DateTime.UtcNow, stoppingToken))
            {
                return;
            }
            var info = new TimerInfo { ScheduleStatus = new ScheduleStatus { Last = last ?? DateTime.MinValue, Next = next.Value, LastUpdated = DateTime.UtcNow } };
            last = next;
            try
            {
                await using var scope = services.CreateAsyncScope();
                await FunctionInvoker.InvokeAsync(scope.ServiceProvider, function.Method, new(Timer: info), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "Timer function {Function} failed", function.Name);
            }
        }
    }
}
