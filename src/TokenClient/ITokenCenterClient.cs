namespace TokenCenter.Client;
