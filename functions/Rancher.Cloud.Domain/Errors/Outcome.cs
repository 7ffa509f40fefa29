namespace Rancher.Cloud.Domain.Errors;

/// <summary>Either a value or the <see cref="Failure"/> that prevented it.</summary>
public readonly record struct Outcome<T>
{
    private Outcome(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    public bool Succeeded => Failure is null;

    public static Outcome<T> Success(T value) => new(value, null);

    public static Outcome<T> Fail(Failure failure) => new(default, failure);

    public static implicit operator Outcome<T>(T value) => Success(value);

    public static implicit operator Outcome<T>(Failure failure) => Fail(failure);
}
