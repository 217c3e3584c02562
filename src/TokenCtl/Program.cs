return await TokenCenter.Ctl.TokenCtlApp.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);
