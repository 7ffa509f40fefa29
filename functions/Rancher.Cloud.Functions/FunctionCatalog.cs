using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Rancher.Cloud.Functions;

/// <summary>What starts a function: an HTTP route, a schedule, or a queue.</summary>
public abstract record Trigger;

public sealed record HttpRoute(IReadOnlyList<string> Methods, string Route) : Trigger;

public sealed record Schedule(string Cron) : Trigger;

public sealed record QueueMessages(string QueueName) : Trigger;

/// <summary>One function of the app: its name, its method, and its trigger.</summary>
public sealed record FunctionEntry(string Name, MethodInfo Method, Trigger Trigger);

/// <summary>
/// The function app's functions, discovered from their own <c>[Function]</c> and trigger
/// attributes — the same attributes the Functions SDK turns into functions.metadata — so
/// the self-host keeps no route table of its own.
/// </summary>
public static class FunctionCatalog
{
    public static IReadOnlyList<FunctionEntry> Discover(Assembly assembly)
    {
        var entries = new List<FunctionEntry>();
        foreach (var type in assembly.GetExportedTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }
                var trigger = method.GetParameters().Select(TriggerOf).SingleOrDefault(t => t is not null)
                    ?? throw new InvalidOperationException($"Function {function.Name} has no trigger this self-host supports.");
                entries.Add(new FunctionEntry(function.Name, method, trigger));
            }
        }
        return entries;
    }

    private static Trigger? TriggerOf(ParameterInfo parameter) =>
        parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http
            ? new HttpRoute(http.Methods ?? ["get", "post"], http.Route ?? parameter.Member.Name)
            : parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer
                ? new Schedule(timer.Schedule)
                : parameter.GetCustomAttribute<QueueTriggerAttribute>() is { } queue
                    ? new QueueMessages(queue.QueueName)
                    : null;
}
