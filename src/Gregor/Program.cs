Console.WriteLine("gregor: the broker lands with issue #4");
return 0;
